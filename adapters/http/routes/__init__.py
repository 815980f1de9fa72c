"""Flask routes under /scim/v2, registered once from the resource-type registry; the package is wired by the container."""
