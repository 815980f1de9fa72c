"""The OAuth 2.0 authorization server (scim.auth type oauth): authlib's Flask server with this
service's grants (server.py) and the administrator's login and consent pages (pages.py)."""
