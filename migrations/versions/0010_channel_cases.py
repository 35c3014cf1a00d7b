"""channel cases: window and online cases reported by departments, for the 办件率

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govkiosk.platform.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("org_node_id", sa.Integer(), nullable=False),
        sa.Column("received_at", govkiosk.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=True),
        sa.Column("reported_at", govkiosk.platform.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_channel_cases_department_id_departments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["service_items.id"],
            name=op.f("fk_channel_cases_item_id_service_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_node_id"],
            ["org_nodes.id"],
            name=op.f("fk_channel_cases_org_node_id_org_nodes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_cases")),
        sa.UniqueConstraint("department_id", "external_id", name=op.f("uq_channel_cases_department_id")),
    )
    with op.batch_alter_table("channel_cases", schema=None) as batch_op:
        batch_op.create_index("ix_channel_cases_item_received", ["item_id", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_channel_cases_org_node_id"), ["org_node_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_channel_cases_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_cases_received_at"))
        batch_op.drop_index(batch_op.f("ix_channel_cases_org_node_id"))
        batch_op.drop_index("ix_channel_cases_item_received")
    op.drop_table("channel_cases")
