"""RFC 9865 cursors (adapters/http/cursors.py): only a cursor this server sealed, unchanged, for the
same query, within its lifetime, opens. Each test breaks one of those on purpose."""

from __future__ import annotations

import base64
import json

import pytest

from adapters.http.cursors import Cursors, Position, _b64, _unb64, fingerprint
from domain.errors import ExpiredCursor, InvalidCount, InvalidCursor

SECRET = "a-secret-of-at-least-sixteen-characters"
NOW = 1_800_000_000.0
ALICE = Position("alice", "id-0001", 10)


def query() -> str:
    """Computed per test, never at import: a mutation tool switches code on after imports."""
    return fingerprint("User", 'userName sw "a"', "userName", "ascending")


def sealed(position: Position = ALICE, secret: str = SECRET) -> str:
    return Cursors(secret).seal(query(), position, now=NOW)


def b64url(raw: bytes) -> str:
    """The encoding written independently of the product's, for forging."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _payload(token: str) -> dict[str, object]:
    encoded = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


def test_a_sealed_cursor_opens_to_its_position() -> None:
    assert Cursors(SECRET).open(sealed(), query(), 10, now=NOW + 1) == Position("alice", "id-0001", 10)


def test_a_payload_edited_under_the_old_signature_is_refused() -> None:
    token = sealed()
    body = _payload(token) | {"i": "id-9999"}  # skip ahead to a position of the client's choosing
    forged = b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode()) + "." + token.split(".")[1]
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(forged, query(), None, now=NOW)


@pytest.mark.parametrize("index", [0, 5, -1])
def test_one_changed_character_anywhere_is_refused(index: int) -> None:
    token = sealed()
    position = index % len(token)
    if token[position] == ".":
        position += 1
    swapped = "B" if token[position] != "B" else "C"
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(token[:position] + swapped + token[position + 1:], query(), None, now=NOW)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(sealed(secret="another-secret-of-sixteen-chars"), query(), None, now=NOW)


def test_a_cursor_without_its_signature_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(sealed().split(".")[0] + ".", query(), None, now=NOW)


@pytest.mark.parametrize("token", ["", "no-dot", "a.b.c", "ünïcode.sig", "%%%.%%%", "e30",
                                   ".\u00c6b", "e30.\u00e9\u00e9", "e30.sig\U0001f600"])
def test_a_malformed_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(token, query(), None, now=NOW)


def test_a_signature_that_is_not_ascii_is_refused_not_a_type_error() -> None:
    """Found by schemathesis: GET /Users?cursor=.%C3%86b was a 500 (compare_digest on a str)."""
    payload, mac = sealed().split(".")
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(f"{payload}.{mac[:-1]}\u00e9", query(), None, now=NOW)


def test_a_cursor_of_another_query_is_refused() -> None:
    for other in (fingerprint("Group", 'userName sw "a"', "userName", "ascending"),
                  fingerprint("User", 'userName sw "b"', "userName", "ascending"),
                  fingerprint("User", 'userName sw "a"', "userName", "descending"),
                  fingerprint("User", 'userName sw "a"', None, "ascending")):
        with pytest.raises(InvalidCursor) as caught:
            Cursors(SECRET).open(sealed(), other, None, now=NOW)
        assert caught.value.detail == "the cursor belongs to another query (filter, sort or resource type)"


def test_a_cursor_past_its_lifetime_is_expired_and_one_just_within_it_opens() -> None:
    cursors = Cursors(SECRET, timeout=60)
    assert cursors.open(sealed(), query(), None, now=NOW + 60).id == "id-0001"
    with pytest.raises(ExpiredCursor):
        cursors.open(sealed(), query(), None, now=NOW + 61)


def test_a_different_count_is_invalid_count() -> None:
    with pytest.raises(InvalidCount):
        Cursors(SECRET).open(sealed(), query(), 11, now=NOW)


def test_a_forged_cursor_detail_says_it_is_not_ours() -> None:
    with pytest.raises(InvalidCursor) as caught:
        Cursors(SECRET).open(sealed(secret="another-secret-of-sixteen-chars"), query(), None, now=NOW)
    assert caught.value.detail == "the cursor is not one this server issued"


@pytest.mark.parametrize("length", range(0, 40))
def test_the_url_safe_encoding_round_trips_at_every_length_without_padding(length: int) -> None:
    raw = bytes((i * 37 + 11) % 256 for i in range(length))
    encoded = _b64(raw)
    assert "=" not in encoded and _unb64(encoded) == raw


def test_a_cursor_and_a_fingerprint_are_what_they_were_when_sealed_by_an_earlier_release() -> None:
    """Pinned bytes: cursors issued before a rolling deploy must open after it."""
    assert fingerprint("User", 'userName sw "a"', "userName", "ascending") == "35a0b849e8b906d9f3a35c6f"
    assert sealed() == (
        "eyJjIjoxMCwiZiI6IjM1YTBiODQ5ZThiOTA2ZDlmM2EzNWM2ZiIsImkiOiJpZC0wMDAxIiwidCI6MTgwMDAwMDAwMCwidiI6"
        "ImFsaWNlIn0.lIDGUgV7ygXnj25FdyymNDYK")


def test_an_encoding_ending_in_x_round_trips() -> None:
    """The padding stripped is `=` only: url-safe base64 may end in any letter (here X)."""
    assert _b64(b"\x00\x00\x17") == "AAAX" and _unb64("AAAX") == b"\x00\x00\x17"


def test_a_cursor_sealed_and_opened_on_the_real_clock_opens() -> None:
    cursors = Cursors(SECRET)
    assert cursors.open(cursors.seal(query(), ALICE), query(), 10) == ALICE


def test_an_empty_part_and_a_missing_part_fingerprint_alike_and_are_pinned() -> None:
    """No filter (None) and an empty filter page the same results; pinned across releases."""
    assert fingerprint("User", None, None, "ascending") == fingerprint("User", "", "", "ascending")
    assert fingerprint("User", None, None, "ascending") == "8aaffafbc85ca2dec7ddd8bf"


@pytest.mark.parametrize(("token", "count", "now", "error", "detail"), [
    ("garbage", None, NOW, InvalidCursor, "the cursor is not one this server issued"),
    (None, None, NOW + 3601, ExpiredCursor, "the cursor is older than 3600 seconds; start again"),
    (None, 11, NOW, InvalidCount, "count must stay 10 while paging with this cursor"),
])
def test_each_refusal_says_why(token, count, now, error, detail) -> None:
    with pytest.raises(error) as caught:
        Cursors(SECRET).open(token or sealed(), query(), count, now=now)
    assert caught.value.detail == detail
