"""personal data of cases sealed at rest; submission digest; purge mark

Existing rows are sealed here with the keys of the settings (`GOVKIOSK_DATA_KEYS` / `GOVKIOSK_DATA_KEY_ID`,
or the development key derived from `GOVKIOSK_SECRET_KEY`): run the upgrade with the settings the platform
runs with. The downgrade opens them again with the same keys.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 11:17:44.533694
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import govkiosk.platform.db.base
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.core.settings import get_settings

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PURGED = "purged"  # the tombstone of platform/cases/service.py
NEW_COLUMNS = (
    "applicant_name_sealed",
    "applicant_name_masked",
    "applicant_id_number_sealed",
    "applicant_id_number_masked",
    "data_sealed",
)


def _mask_name(name: str) -> str:  # as support/receipts/data.py:mask_name at this revision
    if len(name) <= 2:
        return (name[:1] + "*") if len(name) == 2 else "*" * len(name)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_id(number: str) -> str:  # as support/forms/validators.py:mask_id_number at this revision
    return "*" * len(number) if len(number) < 9 else number[:4] + "*" * (len(number) - 8) + number[-4:]


def _cases(*names: str) -> sa.Table:
    types: dict[str, sa.types.TypeEngine] = {"id": sa.Integer(), "data": sa.JSON()}
    return sa.table("cases", *(sa.column(n, types.get(n, sa.Text())) for n in ("id", *names)))


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("applicant_phone_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("submission_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("purged_at", govkiosk.platform.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("applicant_digest", existing_type=sa.VARCHAR(length=64), nullable=True)
    _seal_existing_rows()
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in NEW_COLUMNS:
            length = {"applicant_name_masked": 100, "applicant_id_number_masked": 18}.get(name)
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.String(length=length) if length else sa.Text(),
                nullable=False,
            )
        batch_op.drop_column("data")
        batch_op.drop_column("applicant_id_number")
        batch_op.drop_column("applicant_name")
        batch_op.drop_column("applicant_phone")


def _seal_existing_rows() -> None:
    conn = op.get_bind()
    old = _cases("applicant_name", "applicant_id_number", "applicant_phone", "data")
    rows = conn.execute(sa.select(old)).mappings().all()
    if not rows:
        return
    sealer = Sealer.from_settings(get_settings())
    new = _cases(*NEW_COLUMNS, "applicant_phone_sealed")
    for row in rows:
        phone = row["applicant_phone"]
        values = {
            "applicant_name_sealed": sealer.seal_text(row["applicant_name"], purpose="cases.applicant_name"),
            "applicant_name_masked": _mask_name(row["applicant_name"]),
            "applicant_id_number_sealed": sealer.seal_text(
                row["applicant_id_number"], purpose="cases.applicant_id_number"
            ),
            "applicant_id_number_masked": _mask_id(row["applicant_id_number"]),
            "applicant_phone_sealed": sealer.seal_text(phone, purpose="cases.applicant_phone")
            if phone
            else None,
            "data_sealed": sealer.seal_text(
                json.dumps(row["data"] or {}, ensure_ascii=False), purpose="cases.data"
            ),
        }
        conn.execute(sa.update(new).where(new.c.id == row["id"]).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_phone", sa.VARCHAR(length=20), nullable=True))
        batch_op.add_column(sa.Column("applicant_name", sa.VARCHAR(length=100), nullable=True))
        batch_op.add_column(sa.Column("applicant_id_number", sa.VARCHAR(length=18), nullable=True))
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
    _open_existing_rows()
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("applicant_name", "applicant_id_number", "data", "applicant_digest"):
            batch_op.alter_column(name, existing_nullable=True, nullable=False)
        for name in (*NEW_COLUMNS, "applicant_phone_sealed", "submission_digest", "purged_at"):
            batch_op.drop_column(name)


def _open_existing_rows() -> None:
    conn = op.get_bind()
    new = _cases(
        "applicant_name_sealed", "applicant_id_number_sealed", "applicant_phone_sealed", "data_sealed"
    )
    rows = conn.execute(sa.select(new)).mappings().all()
    if not rows:
        return
    sealer = Sealer.from_settings(get_settings())

    def opened(value: str | None, purpose: str) -> str | None:
        return None if value is None or value == PURGED else sealer.open_text(value, purpose=purpose)

    old = _cases("applicant_name", "applicant_id_number", "applicant_phone", "data", "applicant_digest")
    for row in rows:
        data = opened(row["data_sealed"], "cases.data")
        values = {
            "applicant_name": opened(row["applicant_name_sealed"], "cases.applicant_name") or "",
            "applicant_id_number": opened(row["applicant_id_number_sealed"], "cases.applicant_id_number")
            or "",
            "applicant_phone": opened(row["applicant_phone_sealed"], "cases.applicant_phone"),
            "data": json.loads(data) if data else {},
        }
        conn.execute(sa.update(old).where(old.c.id == row["id"]).values(**values))
    conn.execute(sa.update(old).where(old.c.applicant_digest.is_(None)).values(applicant_digest=""))
