"""The per-request limits: how much of each kind of input one request may carry. Each is checked
where its rule lives (the filter parser, the schema validation, the PATCH engine, the HTTP reader)
before any store sees the input; past a limit the request is refused whole with a 400 whose detail
names the limit and its config key (scim.limits.*). The request body size (server.max_body_bytes,
413) and the member-change cap (scim.max_members_per_request, 413) are separate."""

from __future__ import annotations

from dataclasses import dataclass

CONFIG_PREFIX = "scim.limits"


@dataclass(frozen=True, slots=True)
class Limits:
    filter_length: int = 4096      # characters of a filter
    filter_depth: int = 32         # nested parentheses or brackets in a filter
    json_depth: int = 32           # nested objects and arrays of a request body
    attributes: int = 1000         # attributes and sub-attributes of one resource body, counted at every level
    multi_valued: int = 1000       # values of one multi-valued attribute (Group members excepted)
    string_length: int = 65536     # characters of one string value (the indexed ones have max_indexed_length)
    patch_operations: int = 1000   # Operations of one PATCH request
    attribute_list: int = 100      # entries of the attributes or excludedAttributes parameter

    @staticmethod
    def key(name: str) -> str:
        """The config key of a limit, for error details: filter_length -> scim.limits.filter_length."""
        return f"{CONFIG_PREFIX}.{name}"

    def exceeded(self, name: str, what: str) -> str:
        """The detail of an error past a limit: what was too much, the limit and its key."""
        return f"{what}: at most {getattr(self, name)} ({self.key(name)})"


DEFAULT_LIMITS = Limits()
