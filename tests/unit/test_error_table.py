"""Every domain error maps to one status and scimType (RFC 7644 §3.12), via one table."""

import inspect

import pytest

from adapters.http.errors import ERROR_TABLE, status_of
from domain import errors

EXPECTED = {
    errors.InvalidValue: (400, "invalidValue"),
    errors.InvalidSyntax: (400, "invalidSyntax"),
    errors.InvalidFilter: (400, "invalidFilter"),
    errors.TooMany: (400, "tooMany"),
    errors.Mutability: (400, "mutability"),
    errors.InvalidPath: (400, "invalidPath"),
    errors.NoTarget: (400, "noTarget"),
    errors.InvalidVersion: (400, "invalidVers"),
    errors.InvalidCursor: (400, "invalidCursor"),
    errors.ExpiredCursor: (400, "expiredCursor"),
    errors.InvalidCount: (400, "invalidCount"),
    errors.Forbidden: (403, None),
    errors.NotFound: (404, None),
    errors.Uniqueness: (409, "uniqueness"),
    errors.Conflict: (409, None),
    errors.Gone: (410, None),
    errors.PreconditionFailed: (412, None),
    errors.PayloadTooLarge: (413, None),
    errors.NotSupported: (501, None),
}


@pytest.mark.parametrize(("error", "expected"), list(EXPECTED.items()), ids=lambda x: getattr(x, "__name__", ""))
def test_each_domain_error_has_its_status_and_scim_type(error: type, expected: tuple) -> None:
    assert status_of(error("x")) == expected


def test_every_domain_error_class_is_in_the_table() -> None:
    declared = {c for _, c in inspect.getmembers(errors, inspect.isclass)
                if issubclass(c, errors.DomainError) and c is not errors.DomainError}
    assert declared == set(ERROR_TABLE) == set(EXPECTED)


def test_a_subclass_of_a_mapped_error_inherits_its_mapping() -> None:
    class StaleCursor(errors.InvalidValue):
        pass

    assert status_of(StaleCursor("x")) == (400, "invalidValue")
