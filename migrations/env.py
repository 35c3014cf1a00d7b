"""Alembic environment: the URL comes from the caller (govkiosk.platform.db.migrate) or the settings."""

from alembic import context
from sqlalchemy import Connection

from govkiosk.platform.core.settings import get_settings
from govkiosk.platform.db.base import Base, import_all_models
from govkiosk.platform.db.session import make_engine

import_all_models()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().db_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
