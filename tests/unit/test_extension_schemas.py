"""domain.schema.extensions: what makes a declared extension valid, and the Schema it becomes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from domain.schema.attributes import Attribute, Schema
from domain.schema.core import ENTERPRISE_USER_SCHEMA, USER_SCHEMA
from domain.schema.extensions import InvalidExtension, extension_registry, extension_schemas

ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"
# A declaration is any object with the protocol's fields; these are the defaults an admin gets.
ATTRIBUTE = {"type": "string", "multi_valued": False, "required": False, "case_exact": False,
             "mutability": "readWrite", "returned": "default", "uniqueness": "none",
             "canonical_values": (), "reference_types": (), "description": "", "sub_attributes": ()}


def attr(name: str = "badge", **fields: Any) -> SimpleNamespace:
    return SimpleNamespace(**{**ATTRIBUTE, "name": name, **fields})


def ext(*attributes: SimpleNamespace, **fields: Any) -> SimpleNamespace:
    base = {"schema": ACME, "resource_type": "User", "attributes": attributes or (attr(),),
            "name": None, "description": "", "required": False}
    return SimpleNamespace(**{**base, **fields})


def problem(*declarations: SimpleNamespace) -> InvalidExtension:
    with pytest.raises(InvalidExtension) as caught:
        extension_schemas(declarations, "extensions")
    assert str(caught.value) == f"{caught.value.key}: {caught.value.problem}"
    return caught.value


def test_declarations_become_schemas_split_by_resource_type() -> None:
    full = attr("badgeNumber", required=True, case_exact=True, mutability="immutable", returned="always",
                canonical_values=["A", "B"], description="Badge")
    sponsor = attr("sponsor", type="complex", sub_attributes=(
        attr("value"), attr("$ref", type="reference", reference_types=["User"])))
    users, groups = extension_schemas([
        ext(full, sponsor, name="AcmeUser", description="Acme attributes"),
        ext(attr("code"), schema="urn:example:acme:Group", resource_type="Group"),
    ], "extensions")
    assert users == (Schema(ACME, "AcmeUser", "Acme attributes", (
        Attribute("badgeNumber", "string", required=True, case_exact=True, mutability="immutable",
                  returned="always", canonical_values=("A", "B"), description="Badge"),
        Attribute("sponsor", "complex", sub_attributes=(
            Attribute("value"), Attribute("$ref", "reference", reference_types=("User",)))),
    )),)
    assert groups == (Schema("urn:example:acme:Group", "Group", "", (Attribute("code"),)),)
    assert extension_schemas([], "extensions") == ((), ())


def test_a_name_defaults_to_the_last_urn_segment() -> None:
    (schema,), () = extension_schemas([ext()], "extensions")
    assert schema.name == "User"


def test_the_registry_carries_the_extensions_and_marks_required_ones_required() -> None:
    registry = extension_registry([ext(required=True), ext(schema="urn:example:g", resource_type="Group")], "x")
    assert [(s.id, r) for s, r in registry.user.extensions] == [(ENTERPRISE_USER_SCHEMA, False), (ACME, True)]
    assert [(s.id, r) for s, r in registry.group.extensions] == [("urn:example:g", False)]


def test_the_registry_checks_the_rules_too() -> None:
    with pytest.raises(InvalidExtension, match=r"^x\[0\]\.schema: expected a URN"):
        extension_registry([ext(schema="acme")], "x")


@pytest.mark.parametrize(("declarations", "key", "message"), [
    ([ext(schema="example:acme")], "[0].schema", "expected a URN starting with 'urn:', got 'example:acme'"),
    ([ext(schema=USER_SCHEMA)], "[0].schema", f"{USER_SCHEMA!r} is defined by SCIM itself"),
    ([ext(schema=ENTERPRISE_USER_SCHEMA.lower())], "[0].schema",
     f"{ENTERPRISE_USER_SCHEMA.lower()!r} is defined by SCIM itself"),
    ([ext(schema="urn:ietf:params:scim:schemas:core:2.0:Schema")], "[0].schema",
     "'urn:ietf:params:scim:schemas:core:2.0:Schema' is defined by SCIM itself"),
    ([ext(), ext(schema=ACME.upper().replace("URN:", "urn:"))], "[1].schema",
     f"{ACME.upper().replace('URN:', 'urn:')!r} duplicates extensions[0]"),
    ([ext(resource_type="Device")], "[0].resource_type", "expected one of User, Group, got 'Device'"),
    ([ext(attributes=())], "[0].attributes", "must not be empty"),
    ([ext(name="")], "[0].name", "must not be empty"),
    ([ext(name="  ")], "[0].name", "must not be empty"),
    ([ext(attr("1badge"))], "[0].attributes[0].name",
     "expected a letter then letters, digits, '-' or '_', got '1badge'"),
    ([ext(attr("badge number"))], "[0].attributes[0].name",
     "expected a letter then letters, digits, '-' or '_', got 'badge number'"),
    ([ext(attr("$ref"))], "[0].attributes[0].name",  # only inside a complex value
     "expected a letter then letters, digits, '-' or '_', got '$ref'"),
    ([ext(attr("Badge"), attr("bADGE"))], "[0].attributes[1].name", "'bADGE' duplicates extensions[0].attributes[0]"),
    ([ext(attr(type="text"))], "[0].attributes[0].type",
     "expected one of binary, boolean, complex, dateTime, decimal, integer, reference, string, got 'text'"),
    ([ext(attr(mutability="write"))], "[0].attributes[0].mutability",
     "expected one of immutable, readOnly, readWrite, writeOnly, got 'write'"),
    ([ext(attr(returned="sometimes"))], "[0].attributes[0].returned",
     "expected one of always, default, never, request, got 'sometimes'"),
    ([ext(attr(uniqueness="unique"))], "[0].attributes[0].uniqueness",
     "expected one of global, none, server, got 'unique'"),
    ([ext(attr(uniqueness="server"))], "[0].attributes[0].uniqueness",
     "only 'none' is supported on extension attributes (not enforced otherwise)"),
    ([ext(attr(sub_attributes=(attr("x"),)))], "[0].attributes[0].subAttributes",
     "allowed only on a complex attribute"),
    ([ext(attr(type="complex"))], "[0].attributes[0].subAttributes", "required for a complex attribute"),
    ([ext(attr(type="complex", sub_attributes=(attr(type="complex", sub_attributes=(attr(),)),)))],
     "[0].attributes[0].subAttributes[0].type", "a sub-attribute cannot be complex"),
    ([ext(attr(type="complex", sub_attributes=(attr(), attr("BADGE"))))],
     "[0].attributes[0].subAttributes[1].name",
     "'BADGE' duplicates extensions[0].attributes[0].subAttributes[0]"),
    ([ext(attr(reference_types=["User"]))], "[0].attributes[0].referenceTypes",
     "allowed only on a reference attribute"),
    ([ext(attr(required=True, mutability="readOnly"))], "[0].attributes[0].required",
     "a readOnly attribute cannot be required"),
])
def test_every_broken_rule_names_its_key_under_the_given_path(declarations, key: str, message: str) -> None:
    err = problem(*declarations)
    assert err.key == "extensions" + key
    assert err.problem == message  # the exact text: it is what the admin reads


def test_a_sub_attribute_may_be_called_ref() -> None:
    (schema,), () = extension_schemas([ext(attr(type="complex", sub_attributes=(attr("$ref"),)))], "x")
    assert schema.attributes[0].sub("$REF") is not None
