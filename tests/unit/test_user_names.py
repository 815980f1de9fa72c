"""What a userName may be (domain.text.user_name_problem, RFC 8265 §3.3 UsernameCaseMapped) and
that schema validation applies it to Users alone; the lookalikes that the comparison form makes
one name are in tests/contract/test_resources.py TestUniqueness (every store)."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue
from domain.idp.policy import Policy
from domain.schema.registry import default_registry
from domain.schema.validation import conform
from domain.text import fold, user_name_problem

REG = default_registry()


@pytest.mark.parametrize("name", [
    "bjensen", "Barbara Jensen", "bjensen@example.com", "Ａｌｉｃｅ", "\u00c9lodie", "E\u0301lodie", "straße",
    "名前", "emoji\U0001f600", "a b c", "x",
])
def test_names_the_profile_allows(name: str) -> None:
    assert user_name_problem(name) is None


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"), ("   ", "blank"), (" alice", "begin or end"), ("alice ", "begin or end"),
    ("alice\u00a0", "begin or end"), ("\u3000alice", "begin or end"),
    ("al\tice", "U+0009"), ("al\u00a0ice", "U+00A0"), ("al\u2028ice", "U+2028"), ("a\u3000b", "U+3000"),
    ("al\x7fice", "control character U+007F"), ("al\x85ice", "U+0085"), ("al\x9bice", "control character U+009B"),
    ("al\u200bice", "invisible code point U+200B"), ("alice\u200d", "U+200D"), ("\ufeffalice", "U+FEFF"),
    ("al\u00adice", "U+00AD"), ("alice\ufe0f", "U+FE0F"), ("al\u2060ice", "U+2060"), ("a\u202eb", "U+202E"),
    ("a\U000e0041b", "U+E0041"), ("a\u034fb", "U+034F"),
])
def test_what_the_profile_forbids_is_named(name: str, why: str) -> None:
    problem = user_name_problem(name)
    assert problem is not None and why in problem


def test_every_lookalike_the_profile_forbids_would_otherwise_be_a_distinct_account() -> None:
    """Why they are refused rather than folded: the comparison form keeps them apart."""
    for variant in ("alice ", "al\u200bice", "alice\u00ad", "al\tice"):
        assert fold(variant) != fold("alice")


def test_validation_refuses_a_forbidden_user_name_and_names_the_attribute() -> None:
    with pytest.raises(InvalidValue, match=r"^userName: must not contain the invisible code point U\+200B"):
        conform(REG.user, {"userName": "al\u200bice"}, Policy())
    with pytest.raises(InvalidValue, match="^userName: must not begin or end"):
        conform(REG.user, {"userName": "alice "}, Policy())
    assert conform(REG.user, {"userName": "Ａｌｉｃｅ"}, Policy())["userName"] == "Ａｌｉｃｅ"  # stored as given


def test_the_rule_is_the_users_a_group_display_name_may_have_spaces_around() -> None:
    assert conform(REG.group, {"displayName": " team "}, Policy())["displayName"] == " team "
