"""SQL persistence on SQLAlchemy Core: SQLite for one host, PostgreSQL for several workers."""
