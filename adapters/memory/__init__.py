"""In-memory persistence: real adapters for tests and single-process demos (not for several workers)."""
