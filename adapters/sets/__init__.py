"""Security Event Tokens: their signing keys (`signing`)."""
