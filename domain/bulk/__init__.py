"""Bulk operations (RFC 7644 §3.7): `operations` (what a bulk request holds and what each
operation answers, the Executor port), `references` (bulkId references: where they are, how
they are resolved, how a circular one is set aside), `job` (the order, the bookkeeping of bulkId
to id, failOnErrors, circular references)."""
