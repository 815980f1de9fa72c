"""The SCIM HTTP adapter (Flask): base path /scim/v2."""

SCIM_PREFIX = "/scim/v2"
