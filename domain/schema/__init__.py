"""SCIM schemas as data (RFC 7643): attribute definitions, the core schemas, extensions, rules."""
