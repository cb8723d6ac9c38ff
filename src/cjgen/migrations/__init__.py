"""Alembic migrations of the store's schema (run by `Store` at start-up; see store.py)."""
