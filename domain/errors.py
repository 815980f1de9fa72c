"""Domain errors. They carry no HTTP data; adapters/http/errors.py maps each to status + scimType."""


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidValue(DomainError):
    """A value is missing, of the wrong type or not acceptable (RFC 7644 §3.12 invalidValue)."""


class InvalidSyntax(DomainError):
    """The request body is not a well-formed SCIM message (invalidSyntax)."""


class InvalidFilter(DomainError):
    """The filter is not understood or not supported (invalidFilter)."""


class TooMany(DomainError):
    """The query would return or scan more than the server allows (tooMany)."""


class Uniqueness(DomainError):
    """A value that must be unique is already taken (uniqueness)."""


class Conflict(DomainError):
    """The request conflicts with the state it needs: in a bulk request, a reference to an
    operation that failed, or a circular reference that could not be resolved (RFC 7644 §3.7.1:
    409, no scimType)."""


class Mutability(DomainError):
    """An attempt to change a readOnly or immutable attribute (mutability)."""


class InvalidPath(DomainError):
    """An attribute path is malformed or names nothing (invalidPath)."""


class NoTarget(DomainError):
    """A path matched no value where one is required (noTarget)."""


class InvalidCursor(DomainError):
    """A cursor that is malformed, tampered with, or from another query (RFC 9865)."""


class ExpiredCursor(DomainError):
    """A cursor older than the server keeps positions for (RFC 9865)."""


class InvalidCount(DomainError):
    """A count above the maximum page size, or not the one the cursor was issued for (RFC 9865)."""


class InvalidVersion(DomainError):
    """An unsupported SCIM protocol version (invalidVers)."""


class NotFound(DomainError):
    """The resource does not exist (or no longer exists)."""


class PreconditionFailed(DomainError):
    """The resource changed since the version the client holds (If-Match, RFC 7644 §3.14)."""


class Forbidden(DomainError):
    """The principal may not perform this operation."""


class Gone(DomainError):
    """What was asked for is gone for good (e.g. change records pruned behind a cursor)."""


class PayloadTooLarge(DomainError):
    """The request exceeds a configured size or count limit."""


class NotSupported(DomainError):
    """The operation is not implemented by this service provider."""
