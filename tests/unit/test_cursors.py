"""RFC 9865 cursors (adapters/http/cursors.py): only a cursor this server sealed, unchanged, for the
same query, within its lifetime, opens. Each test breaks one of those on purpose."""

from __future__ import annotations

import base64
import json

import pytest

from adapters.http.cursors import Cursors, Position, fingerprint
from domain.errors import ExpiredCursor, InvalidCount, InvalidCursor

SECRET = "a-secret-of-at-least-sixteen-characters"
QUERY = fingerprint("User", 'userName sw "a"', "userName", "ascending")
NOW = 1_800_000_000.0
ALICE = Position("alice", "id-0001", 10)


def sealed(position: Position = ALICE, secret: str = SECRET) -> str:
    return Cursors(secret).seal(QUERY, position, now=NOW)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _payload(token: str) -> dict[str, object]:
    encoded = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


def test_a_sealed_cursor_opens_to_its_position() -> None:
    assert Cursors(SECRET).open(sealed(), QUERY, 10, now=NOW + 1) == Position("alice", "id-0001", 10)


def test_a_payload_edited_under_the_old_signature_is_refused() -> None:
    token = sealed()
    body = _payload(token) | {"i": "id-9999"}  # skip ahead to a position of the client's choosing
    forged = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode()) + "." + token.split(".")[1]
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(forged, QUERY, None, now=NOW)


@pytest.mark.parametrize("index", [0, 5, -1])
def test_one_changed_character_anywhere_is_refused(index: int) -> None:
    token = sealed()
    position = index % len(token)
    if token[position] == ".":
        position += 1
    swapped = "B" if token[position] != "B" else "C"
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(token[:position] + swapped + token[position + 1:], QUERY, None, now=NOW)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(sealed(secret="another-secret-of-sixteen-chars"), QUERY, None, now=NOW)


def test_a_cursor_without_its_signature_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(sealed().split(".")[0] + ".", QUERY, None, now=NOW)


@pytest.mark.parametrize("token", ["", "no-dot", "a.b.c", "ünïcode.sig", "%%%.%%%", "e30"])
def test_a_malformed_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursors(SECRET).open(token, QUERY, None, now=NOW)


def test_a_cursor_of_another_query_is_refused() -> None:
    other = fingerprint("Group", 'userName sw "a"', "userName", "ascending")
    with pytest.raises(InvalidCursor, match="another query"):
        Cursors(SECRET).open(sealed(), other, None, now=NOW)


def test_a_cursor_past_its_lifetime_is_expired_and_one_just_within_it_opens() -> None:
    cursors = Cursors(SECRET, timeout=60)
    assert cursors.open(sealed(), QUERY, None, now=NOW + 60).id == "id-0001"
    with pytest.raises(ExpiredCursor):
        cursors.open(sealed(), QUERY, None, now=NOW + 61)


def test_a_different_count_is_invalid_count() -> None:
    with pytest.raises(InvalidCount):
        Cursors(SECRET).open(sealed(), QUERY, 11, now=NOW)
