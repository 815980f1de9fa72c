"""Shared by the SET tests: keys made on the fly (PEM), and verification of a SET with PyJWT, a
library independent of the joserfc that signs them."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://idm.example.com/scim/v2"


def ec_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def rsa_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def verify(token: str, jwks: dict[str, Any], audience: str, issuer: str = ISSUER) -> dict[str, Any]:
    """The claims of `token` once PyJWT has checked its signature against the published key of
    its kid, its typ header, iss and aud."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "secevent+jwt"
    keys = {k["kid"]: k for k in jwks["keys"]}
    assert "d" not in keys[header["kid"]], "a private key is published"
    key = jwt.PyJWK.from_json(json.dumps(keys[header["kid"]]))
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=[header["alg"]], audience=audience,
                                        issuer=issuer, options={"require": ["iss", "iat", "jti", "aud"]})
    return claims
