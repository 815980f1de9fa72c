"""The PatchOp and SearchRequest messages (RFC 7644 §3.5.2, §3.4.3) as adapters/http/messages.py
loads them: member names in any case, and 400 invalidSyntax naming the first problem."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.http.messages import PATCH_OP, SEARCH_REQUEST, patch_operations, search_params
from domain.errors import InvalidSyntax
from domain.patch.engine import PatchOp


def patch_error(body: dict[str, Any]) -> str:
    with pytest.raises(InvalidSyntax) as caught:
        patch_operations(body)
    return caught.value.detail


class TestPatchOperations:
    def test_operations_in_order_with_whether_a_value_was_given(self) -> None:
        body = {"Schemas": [PATCH_OP.upper()], "OPERATIONS": [
            {"OP": "Add", "Path": "emails", "Value": [{"value": "a"}]},
            {"op": "replace", "value": None},
            {"op": "remove", "path": "title", "name": "ignored"},
        ]}
        assert patch_operations(body) == (
            PatchOp("Add", "emails", [{"value": "a"}], True),
            PatchOp("replace", None, None, True),
            PatchOp("remove", "title", None, False),
        )

    def test_other_schemas_and_members_are_allowed(self) -> None:
        body = {"schemas": ["urn:x", PATCH_OP], "Operations": [{"op": "add", "value": {}}], "extra": 1}
        assert patch_operations(body) == (PatchOp("add", None, {}, True),)

    def test_the_path_and_value_are_passed_on_whatever_their_type(self) -> None:
        assert patch_operations({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": 5, "value": 1}]}) == (
            PatchOp("add", 5, 1, True),)

    @pytest.mark.parametrize("schemas", [None, PATCH_OP, ["urn:other"], {"a": PATCH_OP}])
    def test_schemas_must_be_a_list_naming_patch_op(self, schemas: Any) -> None:
        body = {"Operations": [{"op": "add", "value": {}}]} | ({} if schemas is None else {"schemas": schemas})
        assert patch_error(body) == f"'schemas' must contain {PATCH_OP}"

    @pytest.mark.parametrize("ops", [None, [], {"op": "add"}, "add", 3])
    def test_operations_must_be_a_non_empty_list(self, ops: Any) -> None:
        body = {"schemas": [PATCH_OP]} | ({} if ops is None else {"Operations": ops})
        assert patch_error(body) == "'Operations' must be a non-empty list"

    @pytest.mark.parametrize(("ops", "detail"), [
        ([None], "each operation must be an object"),
        (["add"], "each operation must be an object"),
        ([{"path": "x"}], "each operation needs an 'op'"),
        ([{"op": None}], "each operation needs an 'op'"),
        ([{"op": 1}], "each operation needs an 'op'"),
        ([{"path": "x"}, 5], "each operation needs an 'op'"),
        ([{"op": "add"}, 5], "each operation must be an object"),
    ])
    def test_each_operation_is_an_object_with_an_op_and_the_first_bad_one_is_named(
            self, ops: list[Any], detail: str) -> None:
        assert patch_error({"schemas": [PATCH_OP], "Operations": ops}) == detail

    def test_schemas_are_checked_before_operations(self) -> None:
        assert patch_error({"schemas": [], "Operations": []}) == f"'schemas' must contain {PATCH_OP}"


class TestSearchParams:
    def test_parameters_come_back_under_lower_cased_names_without_schemas(self) -> None:
        body = {"SCHEMAS": [SEARCH_REQUEST], "Filter": 'userName eq "x"', "startIndex": 2,
                "attributes": ["userName"], "a.b": 1}
        assert search_params(body) == {"filter": 'userName eq "x"', "startindex": 2, "attributes": ["userName"],
                                       "a.b": 1}

    def test_the_input_is_not_changed(self) -> None:
        body = {"schemas": [SEARCH_REQUEST], "count": 1}
        search_params(body)
        assert body == {"schemas": [SEARCH_REQUEST], "count": 1}

    @pytest.mark.parametrize("body", [{}, {"schemas": None}, {"schemas": SEARCH_REQUEST}, {"schemas": [PATCH_OP]},
                                      {"filter": "x"}])
    def test_schemas_must_be_a_list_naming_search_request(self, body: dict[str, Any]) -> None:
        with pytest.raises(InvalidSyntax) as caught:
            search_params(body)
        assert caught.value.detail == f"'schemas' must contain {SEARCH_REQUEST}"
