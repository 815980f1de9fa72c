"""PATCH (RFC 7644 §3.5.2): the engine that applies operations to a resource's attributes."""
