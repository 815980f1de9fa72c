"""Resource ids in the URL that no store can hold (NUL: PostgreSQL text cannot) are a 404 SCIM
error on SQLite and PostgreSQL alike, for every method, never a database error."""

from __future__ import annotations

import pytest

from tests.http.credentials import OKTA
from tests.http.support import PATCH_URN, assert_scim_error, user_body

ODD = ["%00", "a%00b", "%00%00", "x%00"]


@pytest.mark.parametrize("resource_id", ODD)
def test_an_id_with_a_nul_is_404_on_every_method_and_store(deploy, resource_id: str) -> None:
    d = deploy()
    patch = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    for endpoint in ("/Users", "/Groups"):
        path = f"{endpoint}/{resource_id}"
        assert_scim_error(d.client.get(path, auth=False, headers=OKTA), 404)
        assert_scim_error(d.client.delete(path, auth=False, headers=OKTA), 404)
        assert_scim_error(d.client.put(path, user_body("x"), auth=False, headers=OKTA), 404)
        assert_scim_error(d.client.patch(path, patch, auth=False, headers=OKTA), 404)
    assert d.principals() == []
