"""Credentials: how a request's credentials become a principal (one module per auth scheme)."""
