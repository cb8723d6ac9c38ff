"""Alembic environment: the store passes an open connection in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection: Connection = context.config.attributes["connection"]
# Batch mode lets SQLite take column and constraint changes (it rebuilds the table).
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
