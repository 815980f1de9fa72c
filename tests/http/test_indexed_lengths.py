"""Strings in the indexed attributes (userName, externalId, displayName, emails.value, a group's
displayName) have a length limit, checked before any store sees them: past it, 400 invalidValue
naming the attribute and the limit, nothing written, on SQLite and PostgreSQL alike. At the
limit, even 4-byte characters that do not compress fit PostgreSQL's index rows."""

from __future__ import annotations

import random

import pytest

from app.settings import ConfigError, load_settings
from tests.http.credentials import OKTA
from tests.http.support import GROUP_URN, PATCH_URN, USER_URN, assert_scim_error

LIMIT = 512


def noise(n: int, seed: int = 7) -> str:
    """`n` random characters outside the BMP (4 bytes each in UTF-8): nothing to compress."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x10000, 0x10FFFF)) for _ in range(n))


LONG = noise(LIMIT + 1)
BODIES = {
    "userName": {"schemas": [USER_URN], "userName": LONG},
    "externalId": {"schemas": [USER_URN], "userName": "ext", "externalId": LONG},
    "displayName": {"schemas": [USER_URN], "userName": "dn", "displayName": LONG},
    "emails[0].value": {"schemas": [USER_URN], "userName": "em", "emails": [{"value": LONG}]},
}


@pytest.mark.parametrize("attribute", sorted(BODIES))
def test_a_user_attribute_past_the_limit_is_400_naming_it_and_the_limit(deploy, attribute: str) -> None:
    d = deploy()
    resp = d.client.post("/Users", BODIES[attribute], auth=False, headers=OKTA)
    detail = assert_scim_error(resp, 400, "invalidValue")["detail"]
    assert attribute in detail and f"{LIMIT} characters" in detail
    assert d.client.get("/Users", auth=False, headers=OKTA).json["totalResults"] == 0


def test_a_group_display_name_past_the_limit_is_400_on_post_put_and_patch(deploy) -> None:
    d = deploy()
    assert_scim_error(d.client.post("/Groups", {"schemas": [GROUP_URN], "displayName": LONG},
                                    auth=False, headers=OKTA), 400, "invalidValue")
    made = d.client.post("/Groups", {"schemas": [GROUP_URN], "displayName": "ok"}, auth=False, headers=OKTA).json
    put = d.client.put(f"/Groups/{made['id']}", {"schemas": [GROUP_URN], "displayName": LONG}, auth=False, headers=OKTA)
    assert_scim_error(put, 400, "invalidValue")
    patch = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": LONG}]}
    assert_scim_error(d.client.patch(f"/Groups/{made['id']}", patch, auth=False, headers=OKTA), 400, "invalidValue")
    assert d.client.get(f"/Groups/{made['id']}", auth=False, headers=OKTA).json["displayName"] == "ok"


def test_at_the_limit_incompressible_four_byte_text_is_stored_and_found(deploy) -> None:
    d = deploy()
    name = noise(LIMIT, seed=11)
    assert len(name) == LIMIT and len(name.encode()) == 4 * LIMIT
    body = {"schemas": [USER_URN], "userName": name, "externalId": name, "displayName": name,
            "emails": [{"value": name}]}
    resp = d.client.post("/Users", body, auth=False, headers=OKTA)
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]


def test_the_limit_is_configurable_and_bounded(deploy, tmp_path) -> None:
    d = deploy(max_indexed_length=20)
    assert_scim_error(d.client.post("/Users", {"schemas": [USER_URN], "userName": "u" * 21},
                                    auth=False, headers=OKTA), 400, "invalidValue")
    assert d.client.post("/Users", {"schemas": [USER_URN], "userName": "u" * 20},
                         auth=False, headers=OKTA).status_code == 201
    # externalId, a common attribute beside the schema's, follows the configured limit too
    body = assert_scim_error(d.client.post("/Users", {"schemas": [USER_URN], "userName": "e", "externalId": "x" * 21},
                                           auth=False, headers=OKTA), 400, "invalidValue")
    assert "externalId" in body["detail"] and "20 characters" in body["detail"]
    with pytest.raises(ConfigError, match="scim.max_indexed_length: at most 600"):
        load_settings(env={"SCIM_AUTH_USERNAME": "a", "SCIM_AUTH_PASSWORD": "b", "SCIM_MAX_INDEXED_LENGTH": "601"})
