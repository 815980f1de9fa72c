"""SCIM security events (RFC 9967, Security Event Tokens of RFC 8417): change records turned into
SETs per receiver (`events`, `tokens`) and delivered by polling (`poll`, RFC 8936)."""
