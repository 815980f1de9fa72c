"""Adapters: HTTP (Flask) on the driving side; SQLAlchemy and in-memory stores on the driven side."""
