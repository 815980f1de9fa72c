"""Change records as RFC 9967 SETs: the event URIs of each operation, notice payloads with names
only, full payloads with the resource, the claims (iss, iat, aud, txn, sub_id), jti stable for a
redelivery and distinct per receiver; signed with ES256 or RS256 and verified by PyJWT."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.sets.signing import JwsSigner, KeyProblem
from domain.audit import Change
from domain.feed import Recorded
from domain.sets.events import ALL_URIS, PREFIX, Receiver, emitted, kind_of
from domain.sets.tokens import JtiScheme, SetBuilder
from tests.sets_support import ISSUER, ec_pem, rsa_pem, verify

AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ENDPOINTS = {"User": "/Users", "Group": "/Groups"}
NOTICE = Receiver("app", "https://app.example.com")
FULL = Receiver("replica", "https://replica.example.com", full=True)


def builder(key: bytes = b"k" * 32) -> SetBuilder:
    return SetBuilder(ISSUER, JtiScheme(key), ENDPOINTS)


def rec(operation: str, attributes: tuple[str, ...] = ("userName",), seq: int = 7, rtype: str = "User",
        request_id: str | None = "req-1") -> Recorded:
    return Recorded(seq, Change("okta", operation, rtype, "u1", attributes, AT, request_id))


def events(operation: str, receiver: Receiver = NOTICE, data: Any = None, **more: Any) -> dict[str, Any]:
    built = builder().build(rec(operation, **more), receiver, data)
    assert len(built) == 1
    return dict(built[0].claims["events"])


@pytest.mark.parametrize(("operation", "expected"), [
    ("create", {"create:notice": {"attributes": ["userName"]}}),
    ("replace", {"put:notice": {"attributes": ["userName"]}}),
    ("patch", {"patch:notice": {"attributes": ["userName"]}}),
    ("delete", {"delete": {}}),
    ("deactivate", {"patch:notice": {"attributes": ["userName"]}, "deactivate": {}}),
    ("reactivate", {"patch:notice": {"attributes": ["userName"]}, "activate": {}}),
])
def test_each_operation_is_its_rfc_9967_event(operation: str, expected: dict[str, Any]) -> None:
    assert events(operation) == {PREFIX + k: v for k, v in expected.items()}


def test_the_claims_are_those_of_rfc_9967() -> None:
    [out] = builder().build(rec("create", request_id="abc"), NOTICE)
    assert out.claims == {
        "jti": out.jti, "iss": ISSUER, "iat": int(AT.timestamp()), "aud": "https://app.example.com",
        "txn": "abc", "sub_id": {"format": "scim", "uri": "/Users/u1"},
        "events": {PREFIX + "create:notice": {"attributes": ["userName"]}}}
    assert "sub" not in out.claims  # RFC 9967 §2.1: sub_id, never sub


def test_a_write_without_a_request_id_has_no_txn() -> None:
    [out] = builder().build(rec("create", request_id=None), NOTICE)
    assert "txn" not in out.claims


def test_a_group_is_named_by_its_endpoint() -> None:
    [out] = builder().build(rec("patch", ("members",), rtype="Group"), NOTICE)
    assert out.claims["sub_id"]["uri"] == "/Groups/u1"


def test_a_notice_names_attributes_and_carries_no_value() -> None:
    data = {"userName": "bjensen", "password": "never", "meta": {"version": 'W/"2"'}}
    payload = events("create", NOTICE, lambda t, i: data)[PREFIX + "create:notice"]
    assert payload == {"attributes": ["userName"]}  # a notice receiver never reads the data


def test_a_full_receiver_gets_the_resource_as_data_with_its_version() -> None:
    data = {"userName": "bjensen", "externalId": "bj", "meta": {"version": 'W/"2"'}}
    [out] = builder().build(rec("replace"), FULL, lambda t, i: data if (t, i) == ("User", "u1") else None)
    assert out.claims["events"] == {PREFIX + "put:full": {"data": data, "version": 'W/"2"'}}
    assert out.claims["sub_id"] == {"format": "scim", "uri": "/Users/u1", "externalId": "bj"}


def test_a_full_event_of_a_resource_gone_since_is_a_notice() -> None:
    assert events("patch", FULL, lambda t, i: None) == {PREFIX + "patch:notice": {"attributes": ["userName"]}}


def test_a_delete_to_a_full_receiver_reads_nothing() -> None:
    def never(t: str, i: str) -> None:
        raise AssertionError("read for a delete")
    assert events("delete", FULL, never) == {PREFIX + "delete": {}}


def test_filters_drop_events_and_records() -> None:
    lifecycle = Receiver("hr", "aud", kinds=frozenset({"deactivate", "activate"}))
    assert events("deactivate", lifecycle) == {PREFIX + "deactivate": {}}
    assert builder().build(rec("patch"), lifecycle) == []
    users_only = Receiver("u", "aud", resource_types=frozenset({"User"}))
    assert builder().build(rec("create", rtype="Group"), users_only) == []
    assert builder().keys(rec("create", rtype="Group"), users_only) == []
    assert builder().keys(rec("create"), users_only) == [(7, 0)]


def test_jti_is_stable_per_receiver_record_and_secret() -> None:
    jti = builder().build(rec("create"), NOTICE)[0].jti
    assert builder().build(rec("create"), NOTICE)[0].jti == jti  # a redelivery: the same SET
    assert builder().build(rec("create", seq=8), NOTICE)[0].jti != jti
    assert builder().build(rec("create"), Receiver("other", "aud"))[0].jti != jti
    assert SetBuilder(ISSUER, JtiScheme(b"x" * 32), ENDPOINTS).build(rec("create"), NOTICE)[0].jti != jti


def test_a_jti_parses_back_for_its_receiver_only() -> None:
    jtis = JtiScheme(b"k" * 32)
    jti = jtis.make("app", 42, 0)
    assert jtis.parse("app", jti) == (42, 0)
    assert jtis.parse("other", jti) is None
    assert jtis.parse("app", jti[:-1] + ("0" if jti[-1] != "0" else "1")) is None
    assert jtis.parse("app", "42-0") is None
    assert jtis.parse("app", "x" * 5000) is None


def test_the_advertised_uris_are_those_a_receiver_can_get() -> None:
    assert set(emitted((NOTICE,))) == {u for u in ALL_URIS if not u.endswith(":full")}
    assert set(emitted((NOTICE, FULL))) == set(ALL_URIS)
    only = Receiver("hr", "aud", kinds=frozenset({"deactivate"}))
    assert emitted((only,)) == (PREFIX + "deactivate",)
    assert kind_of(PREFIX + "put:full") == "put"
    assert kind_of("urn:ietf:params:scim:event:misc:asyncresp") is None


@pytest.mark.parametrize("pem", [ec_pem, rsa_pem], ids=["ES256", "RS256"])
def test_a_signed_set_verifies_with_pyjwt_against_the_published_keys(pem: Any) -> None:
    signer = JwsSigner(pem(), retiring_pem=ec_pem())
    [out] = builder().build(rec("create"), NOTICE)
    claims = verify(signer.sign(out.claims), signer.jwks(), NOTICE.audience)
    assert claims == out.claims
    assert len(signer.jwks()["keys"]) == 2 and signer.jwks()["keys"][0]["kid"] == signer.kid


def test_a_tampered_set_does_not_verify() -> None:
    import jwt as pyjwt

    signer = JwsSigner(ec_pem(), kid="k1")
    token = signer.sign(builder().build(rec("create"), NOTICE)[0].claims)
    head, body, sig = token.split(".")
    forged = pyjwt.utils.base64url_encode(pyjwt.utils.base64url_decode(body).replace(b"u1", b"u2")).decode()
    with pytest.raises(pyjwt.InvalidSignatureError):
        verify(f"{head}.{forged}.{sig}", signer.jwks(), NOTICE.audience)


@pytest.mark.parametrize(("pem", "problem"), [
    ("not a key", "expected a PEM private key"),
    (rsa_pem(1024), "at least 2048 bits"),
])
def test_an_unusable_key_is_refused_with_the_reason(pem: str, problem: str) -> None:
    with pytest.raises(KeyProblem, match=problem):
        JwsSigner(pem)


def test_a_public_key_or_another_curve_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(KeyProblem, match="P-256"):
        JwsSigner(p384)
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(KeyProblem, match="private"):
        JwsSigner(public)
