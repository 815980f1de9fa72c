"""The pure core of scim-service: SCIM resources, rules and use cases (stdlib only)."""
