"""SETs signed as JWS compact serializations (RFC 7515) with joserfc: ES256 for a P-256 key,
RS256 for an RSA key of 2048 bits or more, header `typ: secevent+jwt` (RFC 8417 §2.3) and the
key's `kid`; the public keys, the retiring one included, as a JWK Set (RFC 7517 §5)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, RSAKey

SET_TYPE = "secevent+jwt"
MIN_RSA_BITS = 2048


class KeyProblem(ValueError):
    """A signing key that cannot be used, and why (no key material in the message)."""


def _import(pem: str) -> ECKey | RSAKey:
    try:
        return ECKey.import_key(pem)
    except (JoseError, ValueError, TypeError):
        pass
    try:
        with warnings.catch_warnings():  # joserfc warns of a short key: load_key refuses it instead
            warnings.simplefilter("ignore", SecurityWarning)
            return RSAKey.import_key(pem)
    except (JoseError, ValueError, TypeError):
        raise KeyProblem("expected a PEM private key: EC P-256 (ES256) or RSA (RS256)") from None


def load_key(pem: str, kid: str | None = None) -> tuple[ECKey | RSAKey, str]:
    """A private key from PEM text and the algorithm it signs with; `kid` defaults to the key's
    RFC 7638 thumbprint (so a rotated key gets a new one by itself)."""
    key = _import(pem)
    if isinstance(key, ECKey) and key.get("crv") != "P-256":
        raise KeyProblem("an EC key must be on the P-256 curve (ES256)")
    if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
        raise KeyProblem(f"an RSA key must have at least {MIN_RSA_BITS} bits")
    if not key.is_private:
        raise KeyProblem("expected a private key, got a public one")
    if kid is None:
        key.ensure_kid()
    else:
        key.dict_value["kid"] = kid
    return key, "ES256" if isinstance(key, ECKey) else "RS256"


class JwsSigner:
    """Signs with the current key; publishes it and, during a rotation, the retiring one (which
    signs nothing, but verifies the SETs it signed that receivers still hold)."""

    def __init__(self, pem: str, kid: str | None = None, retiring_pem: str | None = None) -> None:
        self._key, self._alg = load_key(pem, kid)
        self._published = [(self._key, self._alg)]
        if retiring_pem:
            self._published.append(load_key(retiring_pem))

    @property
    def kid(self) -> str:
        return str(self._key.kid)

    def sign(self, claims: Mapping[str, Any]) -> str:
        header = {"alg": self._alg, "kid": self.kid, "typ": SET_TYPE}
        return jwt.encode(header, dict(claims), self._key, algorithms=[self._alg], default_type=None)

    def jwks(self) -> dict[str, Any]:
        """The public keys only (RFC 7517 §5), each with its kid, use and alg."""
        return {"keys": [{**key.as_dict(private=False), "use": "sig", "alg": alg}
                         for key, alg in self._published]}
