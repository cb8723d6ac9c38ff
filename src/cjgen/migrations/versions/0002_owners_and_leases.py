"""Map owners; job owners, idempotency keys, worker leases and deadlines.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JOB_COLUMNS = (
    ("owner", sa.String(200)),
    ("idempotency_key", sa.String(200)),
    ("request_hash", sa.String(64)),
    ("worker", sa.String(64)),
    ("lease_until", sa.DateTime(timezone=True)),
    ("deadline_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("maps") as maps:
        maps.add_column(sa.Column("owner", sa.String(200), nullable=True))
        maps.create_index("ix_maps_owner", ["owner"])
    with op.batch_alter_table("jobs") as jobs:
        for name, kind in _JOB_COLUMNS:
            jobs.add_column(sa.Column(name, kind, nullable=True))
        jobs.create_index("ix_jobs_owner_idempotency_key", ["owner", "idempotency_key"], unique=True)
        jobs.create_index("ix_jobs_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_index("ix_jobs_status")
        jobs.drop_index("ix_jobs_owner_idempotency_key")
        for name, _ in reversed(_JOB_COLUMNS):
            jobs.drop_column(name)
    with op.batch_alter_table("maps") as maps:
        maps.drop_index("ix_maps_owner")
        maps.drop_column("owner")
