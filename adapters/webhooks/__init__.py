"""Webhooks: events sent as Standard Webhooks (signed JSON POSTs), the `webhook` receiver kind."""
