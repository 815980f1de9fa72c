"""The security event paths (adapters/http/sets.py), when events.sets.enabled: the RFC 8936 poll
endpoint behind a receiver's bearer token, and the open JWK Set."""

from __future__ import annotations

from typing import Any

from adapters.http.sets import JWKS_PATH, POLL_PATH

Json = dict[str, Any]
_ERROR: Json = {"type": "object", "required": ["err", "description"],
                "properties": {"err": {"type": "string", "description": "an RFC 8935 error code"},
                               "description": {"type": "string"}}}
SCHEMAS: dict[str, Json] = {
    "SetPollRequest": {"type": "object", "description": "an RFC 8936 poll request", "properties": {
        "ack": {"type": "array", "items": {"type": "string"}, "description": "jti of the SETs received"},
        "setErrs": {"type": "object", "description": "jti of the SETs refused, each with why",
                    "additionalProperties": {"type": "object", "required": ["err"], "properties": {
                        "err": {"type": "string"}, "description": {"type": "string"}}}},
        "maxEvents": {"type": "integer", "minimum": 0,
                      "description": "the most SETs wanted (0: only acknowledge; absent: up to events.sets.max_events)"},
        "returnImmediately": {"type": "boolean", "default": False,
                              "description": "answer at once when no SET waits (false: wait up to events.sets.long_poll_seconds)"},
    }},
    "SetPollResponse": {"type": "object", "required": ["sets", "moreAvailable"], "description": "an RFC 8936 poll response",
                        "properties": {
                            "sets": {"type": "object", "additionalProperties": {"type": "string"},
                                     "description": "jti to the SET (a JWS compact serialization, typ secevent+jwt), "
                                                    "in change-record order"},
                            "moreAvailable": {"type": "boolean"}}},
    "SetError": _ERROR,
    "JwkSet": {"type": "object", "required": ["keys"],
               "properties": {"keys": {"type": "array", "items": {"type": "object"}}}},
}


def _json(ref: str) -> Json:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def paths() -> Json:
    error = _json("SetError")
    poll = POLL_PATH.replace("<name>", "{name}")
    return {
        poll: {"post": {
            "operationId": "pollSets", "summary": "RFC 8936 poll: acknowledge SETs and receive the next ones",
            "security": [{"setReceiver": []}],
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "a receiver of events.sets.receivers"}],
            "requestBody": {"required": False, "content": _json("SetPollRequest")},
            "responses": {
                "200": {"description": "the SETs not yet acknowledged, oldest first", "content": _json("SetPollResponse")},
                "400": {"description": "not an RFC 8936 poll request (err invalid_request)", "content": error},
                "401": {"description": "no bearer token of this receiver (or no such receiver)", "content": error},
                "413": {"description": "the body is larger than server.max_body_bytes"},
                "429": {"description": "this address failed authentication too often; Retry-After says when",
                        "content": error}}}},
        JWKS_PATH: {"get": {
            "operationId": "getSetKeys", "summary": "the public keys that verify the SETs (RFC 7517 JWK Set)",
            "security": [], "responses": {"200": {"description": "the signing key, and a retiring one",
                                                  "content": _json("JwkSet")}}}},
    }


SECURITY_SCHEME: Json = {"type": "http", "scheme": "bearer",
                         "description": "a SET receiver's token from `scim-service sets token RECEIVER`"}
