"""Provisioning use cases: what an IdP does to this service, one class per verb."""
