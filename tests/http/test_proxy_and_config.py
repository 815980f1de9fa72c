"""Settings seen through HTTP: trusted proxies, scim.enabled, paging limits and custom extensions."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from adapters.sqlalchemy.migrate import upgrade
from app.settings import (
    ConfigError,
    DatabaseSettings,
    ExtensionAttributeSettings,
    ExtensionSettings,
    ServerSettings,
    load_settings,
)
from tests.conftest import Client, make_settings
from tests.http.support import (
    assert_scim_error,
    create_group,
    create_user,
    get_json,
    raw,
    search,
    user_body,
)
from tests.http.test_discovery import ACME_URN, TEAM_URN, acme_extensions

MEASURE_URN = "urn:example:scim:measure:1.0:User"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "scim.example.com", "X-Forwarded-For": "203.0.113.9"}


@pytest.fixture
def behind_proxy(make_client):
    return make_client(make_settings(server=ServerSettings(trusted_proxies=1)))


class TestTrustedProxies:
    def test_location_and_meta_location_use_the_forwarded_scheme_and_host(self, behind_proxy):
        resp = behind_proxy.post("/Users", user_body("proxied"), headers=FORWARDED)
        uid = resp.json["id"]
        expected = f"https://scim.example.com/scim/v2/Users/{uid}"
        assert resp.headers["Location"] == expected == resp.json["meta"]["location"]

    def test_reads_and_lists_use_the_forwarded_url_too(self, behind_proxy):
        u = create_user(behind_proxy, "listed")
        g = create_group(behind_proxy, "G", [u["id"]])
        user = behind_proxy.get(f"/Users/{u['id']}", headers=FORWARDED).json
        assert user["meta"]["location"] == f"https://scim.example.com/scim/v2/Users/{u['id']}"
        assert user["groups"][0]["$ref"] == f"https://scim.example.com/scim/v2/Groups/{g['id']}"
        group = behind_proxy.get("/Groups", headers=FORWARDED).json["Resources"][0]
        assert group["members"][0]["$ref"] == f"https://scim.example.com/scim/v2/Users/{u['id']}"
        spc = behind_proxy.get("/ServiceProviderConfig", headers=FORWARDED).json
        assert spc["meta"]["location"] == "https://scim.example.com/scim/v2/ServiceProviderConfig"

    def test_a_forwarded_prefix_is_part_of_the_url(self, behind_proxy):
        resp = behind_proxy.post("/Users", user_body("prefixed"), headers={**FORWARDED, "X-Forwarded-Prefix": "/idp"})
        assert resp.headers["Location"] == f"https://scim.example.com/idp/scim/v2/Users/{resp.json['id']}"

    def test_a_forwarded_port_is_kept(self, behind_proxy):
        headers = {**FORWARDED, "X-Forwarded-Port": "8443"}
        resp = behind_proxy.post("/Users", user_body("port"), headers=headers)
        assert resp.headers["Location"] == f"https://scim.example.com:8443/scim/v2/Users/{resp.json['id']}"

    def test_only_the_last_hop_is_trusted_with_one_proxy(self, behind_proxy):
        headers = {"X-Forwarded-Proto": "http, https", "X-Forwarded-Host": "evil.example, scim.example.com"}
        resp = behind_proxy.post("/Users", user_body("hops"), headers=headers)
        assert resp.headers["Location"].startswith("https://scim.example.com/scim/v2/Users/")

    def test_without_trusted_proxies_forwarded_headers_are_ignored(self, client):
        resp = client.post("/Users", user_body("direct"), headers={**FORWARDED, "X-Forwarded-Prefix": "/idp"})
        assert resp.headers["Location"] == f"http://localhost/scim/v2/Users/{resp.json['id']}"
        assert resp.json["meta"]["location"] == resp.headers["Location"]


class TestForwardedValuesAreChecked:
    @pytest.mark.parametrize("host", ["bad host", "a/b", "user@evil.example", "", "x:99999", "x:port", "[zz]",
                                      "-lead.example", "a..b"])
    def test_an_invalid_forwarded_host_is_ignored_not_glued_into_a_url(self, behind_proxy, host):
        resp = behind_proxy.post("/Users", user_body(f"h{abs(hash(host))}"),
                                 headers={**FORWARDED, "X-Forwarded-Host": host})
        assert resp.headers["Location"] == f"https://localhost/scim/v2/Users/{resp.json['id']}"

    @pytest.mark.parametrize("host", ["scim.example.com:8443", "[2001:db8::1]:8443", "10.0.0.7", "idm.example.com."])
    def test_a_valid_forwarded_host_is_used(self, behind_proxy, host):
        resp = behind_proxy.post("/Users", user_body(f"v{abs(hash(host))}"),
                                 headers={**FORWARDED, "X-Forwarded-Host": host})
        assert resp.headers["Location"] == f"https://{host}/scim/v2/Users/{resp.json['id']}"

    @pytest.mark.parametrize("prefix", ["no-slash", "/a b", "/../x", "/a/./b", "//evil.example", "/a?b", "/a#b"])
    def test_an_invalid_forwarded_prefix_is_ignored(self, behind_proxy, prefix):
        resp = behind_proxy.post("/Users", user_body(f"p{abs(hash(prefix))}"),
                                 headers={**FORWARDED, "X-Forwarded-Prefix": prefix})
        assert resp.headers["Location"] == f"https://scim.example.com/scim/v2/Users/{resp.json['id']}"

    @pytest.mark.parametrize("proto", ["ftp", "javascript", "https://x"])
    def test_an_invalid_forwarded_scheme_is_ignored(self, behind_proxy, proto):
        resp = behind_proxy.post("/Users", user_body(f"s{abs(hash(proto))}"),
                                 headers={**FORWARDED, "X-Forwarded-Proto": proto})
        assert resp.headers["Location"] == f"http://scim.example.com/scim/v2/Users/{resp.json['id']}"


@pytest.mark.parametrize("host", ["scim_service", "bad host", "a/b"])
def test_a_host_header_that_is_no_host_gives_the_servers_address_not_a_malformed_url(client, host):
    resp = client.post("/Users", user_body(f"n{abs(hash(host))}"), headers={"Host": host})
    assert resp.headers["Location"] == f"http://localhost/scim/v2/Users/{resp.json['id']}"


PUBLIC = "https://idm.example.com/identity/scim/v2"


@pytest.fixture
def public(make_client):
    return make_client(make_settings(server=ServerSettings(public_url=PUBLIC + "/")))


class TestPublicUrl:
    def test_every_absolute_url_is_built_from_it_whatever_the_host(self, public):
        made = public.post("/Users", user_body("pub"), headers={"Host": "internal:8000", **FORWARDED})
        uid = made.json["id"]
        assert made.headers["Location"] == f"{PUBLIC}/Users/{uid}" == made.json["meta"]["location"]
        g = create_group(public, "G", [uid])
        user = public.get(f"/Users/{uid}", headers={"Host": "other.example"}).json
        assert user["groups"][0]["$ref"] == f"{PUBLIC}/Groups/{g['id']}"
        listed = public.get("/Groups", headers={"X-Forwarded-Host": "evil.example"}).json["Resources"][0]
        assert listed["members"][0]["$ref"] == f"{PUBLIC}/Users/{uid}"
        assert listed["meta"]["location"] == f"{PUBLIC}/Groups/{g['id']}"
        spc = public.get("/ServiceProviderConfig").json
        assert spc["meta"]["location"] == f"{PUBLIC}/ServiceProviderConfig"

    def test_with_trusted_proxies_the_client_address_still_comes_from_them(self, make_client):
        client = make_client(make_settings(server=ServerSettings(public_url=PUBLIC, trusted_proxies=1)))
        resp = client.post("/Users", user_body("both"), headers=FORWARDED)
        assert resp.headers["Location"] == f"{PUBLIC}/Users/{resp.json['id']}"

    @pytest.mark.parametrize("url", ["idm.example.com/scim/v2", "ftp://idm.example.com/scim/v2",
                                     "https://idm.example.com/identity", "https://u:p@idm.example.com/scim/v2",
                                     "https://idm.example.com/scim/v2?x=1", "https://bad host/scim/v2",
                                     "https://idm.example.com/../scim/v2"])
    def test_a_public_url_that_is_not_the_scim_base_url_is_a_config_error(self, url):
        with pytest.raises(ConfigError, match="server.public_url"):
            load_settings(env={"SCIM_AUTH_USERNAME": "a", "SCIM_AUTH_PASSWORD": "b" * 20,
                               "SCIM_SERVER_PUBLIC_URL": url})


class TestScimDisabled:
    @pytest.mark.parametrize("path", ["/Users", "/Groups", "/ServiceProviderConfig", "/Schemas"])
    def test_the_scim_api_is_404_when_disabled(self, make_client, path):
        client = make_client(enabled=False)
        assert_scim_error(client.get(path), 404)

    def test_nothing_can_be_created_when_disabled(self, make_client):
        client = make_client(enabled=False)
        assert client.post("/Users", user_body("x")).status_code == 404


class TestUnknownAttributePolicy:
    def test_ignore_is_the_default(self, client):
        assert client.post("/Users", user_body("x", shoeSize=44)).status_code == 201

    def test_reject_refuses_unknown_attributes_in_groups_and_members(self, make_client):
        strict = make_client(unknown="reject")
        u = create_user(strict, "member")
        assert_scim_error(strict.post("/Groups", {"displayName": "G", "colour": "red"}), 400, "invalidValue")
        body = {"displayName": "G", "members": [{"value": u["id"], "displayName": "x"}]}
        assert_scim_error(strict.post("/Groups", body), 400, "invalidValue")

    def test_oktas_create_put_and_group_bodies_pass_the_reject_policy(self, make_client):
        from tests.http.test_replay_okta import O4_BODY

        strict = make_client(unknown="reject")
        created = strict.post("/Users", dict(O4_BODY))
        assert created.status_code == 201, created.json
        uid = created.json["id"]
        put = {**created.json, "groups": [], "name": {"givenName": "Another", "familyName": "User"}}
        assert strict.put(f"/Users/{uid}", put).status_code == 200
        group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2",
                 "members": [{"value": uid, "display": "test.user@okta.local", "$ref": None}]}
        assert strict.post("/Groups", group).status_code == 201

    def test_reject_still_ignores_read_only_attributes(self, make_client):
        strict = make_client(unknown="reject")
        created = create_user(strict, "echo")
        resp = strict.put(f"/Users/{created['id']}", {**created, "displayName": "Echo"})
        assert resp.status_code == 200, resp.json


class TestCustomExtensions:
    @pytest.fixture
    def acme(self, make_api):
        return make_api(extensions=acme_extensions())

    def test_extension_attributes_are_stored_and_returned(self, acme):
        ext = {"badge": 7, "onSite": "True", "nicknames": ["Bo", "Bob"], "pin": "1234",
               "desk": {"building": "B1", "floor": 3}}
        created = create_user(acme, "acme", schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ACME_URN],
                              **{ACME_URN: ext})
        expected = {"badge": 7, "onSite": True, "nicknames": ["Bo", "Bob"], "desk": {"building": "B1", "floor": 3}}
        assert created[ACME_URN] == expected
        assert ACME_URN in created["schemas"]
        assert get_json(acme, f"/Users/{created['id']}")[ACME_URN] == expected

    def test_a_write_only_extension_attribute_is_never_returned(self, acme):
        created = create_user(acme, "pin", **{ACME_URN: {"pin": "1234", "badge": 1}})
        assert "pin" not in created[ACME_URN]
        assert "1234" not in acme.get(f"/Users/{created['id']}").get_data(as_text=True)

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    @pytest.mark.parametrize("ext", [
        {"badge": "seven"}, {"badge": 7.5}, {"badge": True}, {"onSite": "yes"}, {"nicknames": [1]},
        {"desk": "B1"}, {"desk": {"floor": "third"}},
    ], ids=str)
    def test_a_wrong_type_in_an_extension_is_400_invalid_value(self, acme, ext):
        assert_scim_error(acme.post("/Users", user_body("bad", **{ACME_URN: ext})), 400, "invalidValue")

    def test_extension_attributes_can_be_filtered(self, acme):
        create_user(acme, "seven", **{ACME_URN: {"badge": 7}})
        create_user(acme, "eight", **{ACME_URN: {"badge": 8}})
        found = search(acme, "/Users", f"{ACME_URN}:badge gt 7")
        assert [r["userName"] for r in found["Resources"]] == ["eight"]

    def test_a_put_without_the_extension_clears_it(self, acme):
        created = create_user(acme, "cleared", **{ACME_URN: {"badge": 7}})
        resp = acme.put(f"/Users/{created['id']}", user_body("cleared"))
        assert ACME_URN not in resp.json and ACME_URN not in resp.json["schemas"]

    def test_a_required_attribute_of_a_present_group_extension_is_enforced(self, acme):
        assert_scim_error(acme.post("/Groups", {"displayName": "G", TEAM_URN: {"costCode": ""}}), 400,
                          "invalidValue")
        assert acme.post("/Groups", {"displayName": "G"}).status_code == 201  # the extension is optional
        resp = acme.post("/Groups", {"displayName": "G", TEAM_URN: {"costCode": "CC-1"}})
        assert resp.status_code == 201
        assert resp.json[TEAM_URN] == {"costCode": "CC-1"}

    def test_unknown_extension_attributes_are_ignored_by_default(self, acme):
        created = create_user(acme, "extra", **{ACME_URN: {"badge": 1, "shoeSize": 44}})
        assert created[ACME_URN] == {"badge": 1}

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    @pytest.mark.parametrize("number", [b"1e400", b"-1e400"])
    def test_a_decimal_too_large_for_json_is_400_not_stored_as_infinity(self, make_api, number):
        ext = ExtensionSettings(MEASURE_URN, "User", (ExtensionAttributeSettings("height", "decimal"),))
        api = make_api(extensions=(ext,))
        body = b'{"userName": "tall", "' + MEASURE_URN.encode() + b'": {"height": ' + number + b"}}"

        resp = raw(api, "POST", "/Users", body)

        assert_scim_error(resp, 400, "invalidValue")
        listing = api.get("/Users")
        assert "Infinity" not in listing.get_data(as_text=True)
        assert json.loads(listing.get_data(as_text=True), parse_constant=_no_constants)["totalResults"] == 0

    def test_an_ordinary_decimal_is_stored(self, make_api):
        ext = ExtensionSettings(MEASURE_URN, "User", (ExtensionAttributeSettings("height", "decimal"),))
        api = make_api(extensions=(ext,))
        assert create_user(api, "tall", **{MEASURE_URN: {"height": 1.85}})[MEASURE_URN] == {"height": 1.85}


class TestExtensionAttributeCharacteristics:
    """What an admin declares for an extension attribute (and /Schemas announces) is what the
    service does (RFC 7643 §2.2, §7)."""

    RULES_URN = "urn:example:scim:rules:1.0:User"

    @pytest.fixture
    def ruled(self, make_api):
        ext = ExtensionSettings(self.RULES_URN, "User", (
            ExtensionAttributeSettings("badge"),
            ExtensionAttributeSettings("hireCode", mutability="immutable"),
            ExtensionAttributeSettings("audit", returned="request"),
            ExtensionAttributeSettings("code", case_exact=True),
        ))
        return make_api(extensions=(ext,))

    def test_the_schema_announces_the_declared_characteristics(self, ruled):
        schema = get_json(ruled, f"/Schemas/{self.RULES_URN}")
        by_name = {a["name"]: a for a in schema["attributes"]}
        assert by_name["badge"]["uniqueness"] == "none"
        assert by_name["hireCode"]["mutability"] == "immutable"
        assert by_name["audit"]["returned"] == "request"

    def test_an_immutable_extension_attribute_cannot_be_changed_by_put(self, ruled):
        created = create_user(ruled, "hired", **{self.RULES_URN: {"hireCode": "H-1"}})
        resp = ruled.put(f"/Users/{created['id']}", user_body("hired", **{self.RULES_URN: {"hireCode": "H-2"}}))
        assert_scim_error(resp, 400, "mutability")
        assert get_json(ruled, f"/Users/{created['id']}")[self.RULES_URN] == {"hireCode": "H-1"}

    @pytest.mark.memory_only  # the schema's rules, before any store is involved
    @pytest.mark.parametrize("uniqueness", ["server", "global"])
    def test_a_unique_extension_attribute_is_refused_at_start_since_no_store_enforces_it(self, make_api, uniqueness):
        ext = ExtensionSettings(self.RULES_URN, "User", (ExtensionAttributeSettings("badge", uniqueness=uniqueness),))
        with pytest.raises(ConfigError, match="uniqueness"):
            make_api(extensions=(ext,))

    def test_a_returned_request_attribute_is_not_returned_by_default(self, ruled):
        created = create_user(ruled, "audited", **{self.RULES_URN: {"audit": "x", "code": "C"}})
        assert "audit" not in created[self.RULES_URN]
        assert "audit" not in get_json(ruled, f"/Users/{created['id']}")[self.RULES_URN]

    def test_a_case_exact_extension_attribute_filters_case_exactly(self, ruled):
        create_user(ruled, "exact", **{self.RULES_URN: {"code": "AbC"}})
        assert search(ruled, "/Users", f'{self.RULES_URN}:code eq "AbC"')["totalResults"] == 1
        assert search(ruled, "/Users", f'{self.RULES_URN}:code eq "abc"')["totalResults"] == 0


def _no_constants(name: str) -> None:
    raise AssertionError(f"the response is not JSON: it contains {name}")


def test_database_sqlite_mmap_mb_reaches_every_connection_of_the_app(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'mm.db'}"
    upgrade(url)
    settings = replace(make_settings(url), database=DatabaseSettings(url, sqlite_mmap_mb=32))
    app = make_app(settings)
    assert Client(app).post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                       "userName": "mm"}).status_code == 201
    with app.extensions["container"].engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 32 << 20
