"""docs/architecture.md stays true: every package and module it names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text()


def test_every_path_the_map_names_exists() -> None:
    named = set(re.findall(r"`((?:domain|adapters|app)/[\w/.]*)`", DOC))
    assert len(named) > 15
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_module_listed_in_a_package_row_exists() -> None:
    missing = []
    for package, cell in re.findall(r"^\| `((?:domain|adapters|app)/[\w/]+/)` \| (.+) \|$", DOC, re.M):
        for module in re.findall(r"`(\w+)`", cell):
            if module[0].islower() and not ((ROOT / package / f"{module}.py").exists()
                                            or (ROOT / package / module).is_dir()):
                missing.append(f"{package}{module}")
    assert not missing, f"modules named in docs/architecture.md do not exist: {missing}"


def test_every_product_package_is_on_the_map() -> None:
    packages = {str(p.parent.relative_to(ROOT)) + "/" for p in ROOT.glob("*/**/__init__.py")
                if p.parts[len(ROOT.parts)] in ("domain", "adapters", "app") and "migrations" not in p.parts}
    absent = sorted(p for p in packages if f"`{p}" not in DOC and p.rstrip("/") + "/`" not in DOC)
    assert not absent, f"packages missing from docs/architecture.md: {absent}"
