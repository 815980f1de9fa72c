"""The hexagon, enforced: the domain imports no framework; HTTP and SQL adapters ignore each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {"flask", "flask_httpauth", "werkzeug", "sqlalchemy", "alembic", "marshmallow",
              "dependency_injector", "yaml", "psycopg", "argon2", "adapters", "app"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(package: str) -> list[Path]:
    found = sorted((ROOT / package).rglob("*.py"))
    assert found, f"no python files under {package}"
    return found


@pytest.mark.parametrize("path", files("domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_no_framework_and_no_outer_layer(path: Path) -> None:
    bad = {n for n in imported_roots(path) if n.split(".")[0] in FRAMEWORKS}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize(("package", "forbidden"), [
    ("adapters/http", "adapters.sqlalchemy"),
    ("adapters/sqlalchemy", "adapters.http"),
    ("adapters/memory", "adapters.http"),
    ("adapters/memory", "adapters.sqlalchemy"),
    ("adapters/credentials", "adapters.http"),
    ("adapters/credentials", "adapters.sqlalchemy"),
])
def test_http_and_storage_adapters_do_not_import_each_other(package: str, forbidden: str) -> None:
    for path in files(package):
        bad = {n for n in imported_roots(path) if n == forbidden or n.startswith(forbidden + ".")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_no_adapter_imports_the_composition_root() -> None:
    for path in files("adapters"):
        bad = {n for n in imported_roots(path) if n == "app" or n.startswith("app.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(("package", "forbidden"), [
    ("domain/schema", "domain.query"),  # the schema is data: the query language reads it, not back
    ("domain/schema", "domain.provisioning"),
    ("domain/query", "domain.provisioning"),
    ("domain/patch", "domain.provisioning"),
])
def test_inner_domain_packages_do_not_import_the_use_cases_or_later_layers(package: str, forbidden: str) -> None:
    for path in files(package):
        bad = {n for n in imported_roots(path) if n == forbidden or n.startswith(forbidden + ".")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
