"""Credentials the service issues and the rules for refused ones: bearer tokens kept as digests,
and the throttle on failed authentication. Ports here; adapters store them."""
