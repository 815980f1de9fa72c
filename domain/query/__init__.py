"""The query language (RFC 7644 §3.4.2): filter AST, parser, values, evaluation, ordering, projection."""
