"""Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas."""

from __future__ import annotations

import pytest

from app.settings import BulkSettings, ExtensionAttributeSettings, ExtensionSettings, ServerSettings
from tests.conftest import make_settings
from tests.http.support import (
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    USER_URN,
    assert_scim_error,
    get_json,
)

SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RT_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
ACME_URN = "urn:example:params:scim:schemas:extension:acme:2.0:User"
TEAM_URN = "urn:example:params:scim:schemas:extension:acme:2.0:Group"


def acme_extensions(required: bool = False) -> tuple[ExtensionSettings, ...]:
    return (
        ExtensionSettings(ACME_URN, "User", (
            ExtensionAttributeSettings("badge", "integer"),
            ExtensionAttributeSettings("onSite", "boolean"),
            ExtensionAttributeSettings("nicknames", multi_valued=True),
            ExtensionAttributeSettings("pin", mutability="writeOnly", returned="never"),
            ExtensionAttributeSettings("desk", "complex", sub_attributes=(
                ExtensionAttributeSettings("building"), ExtensionAttributeSettings("floor", "integer"),
            )),
        ), name="AcmeUser", description="Acme's user attributes", required=required),
        ExtensionSettings(TEAM_URN, "Group", (ExtensionAttributeSettings("costCode", required=True),)),
    )


def attribute(schema: dict, name: str) -> dict:
    return next(a for a in schema["attributes"] if a["name"] == name)


class TestServiceProviderConfig:
    def test_it_describes_what_the_service_supports(self, client):
        body = get_json(client, "/ServiceProviderConfig")
        assert body["schemas"] == [SPC_URN]
        assert isinstance(body["patch"]["supported"], bool)
        assert body["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576}
        assert body["filter"] == {"supported": True, "maxResults": 1000}
        assert body["etag"]["supported"] is True
        assert body["sort"]["supported"] is True
        assert body["changePassword"]["supported"] is True  # a password PUT or PATCH is hashed and kept
        assert body["meta"]["location"] == "http://localhost/scim/v2/ServiceProviderConfig"

    def test_bulk_says_the_configured_limits_or_unsupported(self, make_client):
        limited = make_client(bulk=BulkSettings(max_operations=7, max_payload_bytes=5000))
        assert get_json(limited, "/ServiceProviderConfig")["bulk"] == {
            "supported": True, "maxOperations": 7, "maxPayloadSize": 5000}
        small_bodies = make_client(server=ServerSettings(max_body_bytes=4000))  # the default fits under it
        assert get_json(small_bodies, "/ServiceProviderConfig")["bulk"]["maxPayloadSize"] == 4000
        off = make_client(bulk=BulkSettings(enabled=False))
        assert get_json(off, "/ServiceProviderConfig")["bulk"] == {
            "supported": False, "maxOperations": 0, "maxPayloadSize": 0}

    def test_it_lists_http_basic_as_the_authentication_scheme(self, client):
        schemes = get_json(client, "/ServiceProviderConfig")["authenticationSchemes"]
        assert [s["type"] for s in schemes] == ["httpbasic"]
        assert schemes[0]["primary"] is True and schemes[0]["name"] and schemes[0]["description"]

    def test_paging_limits_follow_the_settings(self, make_client):
        body = get_json(make_client(default_count=7, max_results=50), "/ServiceProviderConfig")
        assert body["filter"]["maxResults"] == 50
        assert body["pagination"]["defaultPageSize"] == 7 and body["pagination"]["maxPageSize"] == 50

    def test_discovery_is_readable_without_credentials(self, client):
        for path in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas", f"/Schemas/{USER_URN}"):
            assert client.get(path, auth=False).status_code == 200


class TestResourceTypes:
    def test_users_with_the_enterprise_extension_and_groups(self, client):
        body = get_json(client, "/ResourceTypes")
        assert body["schemas"] == [LIST_URN] and body["totalResults"] == 2
        by_id = {r["id"]: r for r in body["Resources"]}
        user, group = by_id["User"], by_id["Group"]
        assert user["schemas"] == [RT_URN]
        assert (user["name"], user["endpoint"], user["schema"]) == ("User", "/Users", USER_URN)
        assert user["schemaExtensions"] == [{"schema": ENTERPRISE_URN, "required": False}]
        assert (group["endpoint"], group["schema"]) == ("/Groups", GROUP_URN)
        assert group["meta"]["location"] == "http://localhost/scim/v2/ResourceTypes/Group"

    @pytest.mark.parametrize("name", ["User", "user"])
    def test_one_resource_type_by_name(self, client, name):
        assert get_json(client, f"/ResourceTypes/{name}")["endpoint"] == "/Users"

    def test_an_unknown_resource_type_is_404(self, client):
        assert_scim_error(client.get("/ResourceTypes/Device"), 404)


class TestSchemas:
    def test_the_user_enterprise_and_group_schemas_are_listed(self, client):
        body = get_json(client, "/Schemas")
        assert body["schemas"] == [LIST_URN]
        assert [s["id"] for s in body["Resources"]] == [USER_URN, ENTERPRISE_URN, GROUP_URN]
        assert all(s["schemas"] == [SCHEMA_URN] for s in body["Resources"])

    def test_the_user_schema_is_the_one_the_service_runs_on(self, client):
        user = get_json(client, f"/Schemas/{USER_URN}")
        assert user["name"] == "User"
        user_name = attribute(user, "userName")
        assert (user_name["uniqueness"], user_name["required"], user_name["caseExact"]) == ("server", True, False)
        password = attribute(user, "password")
        assert (password["returned"], password["mutability"]) == ("never", "writeOnly")
        groups = attribute(user, "groups")
        assert groups["mutability"] == "readOnly" and groups["multiValued"] is True
        emails = attribute(user, "emails")
        assert {s["name"] for s in emails["subAttributes"]} == {"value", "display", "type", "primary"}
        assert attribute(user, "active")["type"] == "boolean"
        assert {"id", "meta", "externalId"}.isdisjoint(a["name"] for a in user["attributes"])

    def test_the_indexed_attributes_say_their_length_limit_as_configured(self, make_client):
        client = make_client(make_settings(max_indexed_length=300))
        user = get_json(client, f"/Schemas/{USER_URN}")
        for attr in (attribute(user, "userName"), attribute(user, "displayName")):
            assert attr["description"].endswith("At most 300 characters (scim.max_indexed_length).")
        email_value = next(s for s in attribute(user, "emails")["subAttributes"] if s["name"] == "value")
        assert "At most 300 characters" in email_value["description"]
        assert "At most" not in attribute(user, "nickName")["description"]

    def test_the_group_schema_describes_members(self, client):
        group = get_json(client, f"/Schemas/{GROUP_URN}")
        assert attribute(group, "displayName")["required"] is True
        members = attribute(group, "members")
        subs = {s["name"]: s for s in members["subAttributes"]}
        assert set(subs) == {"value", "$ref", "display", "type"}
        assert subs["value"]["mutability"] == "immutable"
        assert subs["display"]["mutability"] == "readOnly"
        assert subs["$ref"]["type"] == "reference"

    def test_the_enterprise_schema_describes_manager(self, client):
        enterprise = get_json(client, f"/Schemas/{ENTERPRISE_URN}")
        manager = attribute(enterprise, "manager")
        assert {s["name"] for s in manager["subAttributes"]} == {"value", "$ref", "displayName"}
        assert attribute(enterprise, "employeeNumber")["type"] == "string"

    def test_schema_urns_are_matched_case_insensitively(self, client):
        assert get_json(client, f"/Schemas/{USER_URN.upper()}")["id"] == USER_URN

    def test_an_unknown_schema_is_404(self, client):
        assert_scim_error(client.get("/Schemas/urn:example:nothing"), 404)

    def test_schema_locations_point_at_themselves(self, client):
        for s in get_json(client, "/Schemas")["Resources"]:
            assert s["meta"]["location"] == f"http://localhost/scim/v2/Schemas/{s['id']}"
            assert get_json(client, s["meta"]["location"].removeprefix("http://localhost")) == s


class TestDiscoveryIsReadOnly:
    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
    @pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User",
                                      "/Schemas", f"/Schemas/{USER_URN}"])
    def test_writes_to_discovery_are_405_scim_errors(self, client, method, path):
        resp = client.request(method, path, {"schemas": [SPC_URN]} if method != "DELETE" else None)
        assert_scim_error(resp, 405)
        assert "GET" in resp.headers["Allow"]


class TestConfiguredExtensions:
    def test_extensions_appear_in_schemas_and_resource_types(self, make_client):
        client = make_client(make_settings(extensions=acme_extensions()))
        ids = [s["id"] for s in get_json(client, "/Schemas")["Resources"]]
        assert ACME_URN in ids and TEAM_URN in ids
        acme = get_json(client, f"/Schemas/{ACME_URN}")
        assert acme["name"] == "AcmeUser" and acme["description"] == "Acme's user attributes"
        assert attribute(acme, "badge")["type"] == "integer"
        assert attribute(acme, "nicknames")["multiValued"] is True
        assert [s["name"] for s in attribute(acme, "desk")["subAttributes"]] == ["building", "floor"]
        user = get_json(client, "/ResourceTypes/User")
        assert {"schema": ACME_URN, "required": False} in user["schemaExtensions"]
        group = get_json(client, "/ResourceTypes/Group")
        assert [e["schema"] for e in group["schemaExtensions"]] == [TEAM_URN]

    def test_a_required_extension_is_announced_as_required(self, make_client):
        client = make_client(make_settings(extensions=acme_extensions(required=True)))
        user = get_json(client, "/ResourceTypes/User")
        assert {"schema": ACME_URN, "required": True} in user["schemaExtensions"]

    def test_a_required_extension_must_be_present_on_create(self, make_client):
        client = make_client(make_settings(extensions=acme_extensions(required=True)))
        assert_scim_error(client.post("/Users", {"userName": "noext"}), 400, "invalidValue")
