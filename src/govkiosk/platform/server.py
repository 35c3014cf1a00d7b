"""Running the platform: migrations, then uvicorn."""

import uvicorn

from govkiosk.platform.accounts import service as accounts
from govkiosk.platform.accounts.models import Role
from govkiosk.platform.accounts.schemas import GrantCreate
from govkiosk.platform.app import create_app
from govkiosk.platform.core.logging import configure
from govkiosk.platform.core.settings import Settings, get_settings
from govkiosk.platform.db import migrate
from govkiosk.platform.db.session import Database
from govkiosk.platform.orgs import service as orgs


def settings_for(db_url: str | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"db_url": db_url}) if db_url else settings


def upgrade_database(db_url: str | None) -> None:
    """Apply the migrations to the configured database."""
    database = Database(settings_for(db_url).db_url)
    migrate.upgrade(database.engine)
    database.dispose()


def run(*, db_url: str | None, host: str, port: int, upgrade: bool) -> None:
    """Serve the platform until interrupted."""
    settings = settings_for(db_url)
    configure(json_logs=settings.log_json)
    database = Database(settings.db_url)
    if upgrade:
        migrate.upgrade(database.engine)
    uvicorn.run(
        create_app(settings, db=database), host=host, port=port, log_level="warning", access_log=False
    )


def bootstrap_installation(
    *, db_url: str | None, city: str, code: str | None, admin: str, password: str
) -> None:
    """Migrate, then create the root node and the first administrator; refuses a database that has a root."""
    database = Database(settings_for(db_url).db_url)
    migrate.upgrade(database.engine)
    try:
        with database.session(write=True) as session:
            orgs.create_root(session, name=city, code=code)
            root = orgs.get_root(session)
            accounts.bootstrap_user(
                session,
                username=admin,
                display_name=admin,
                password=password,
                grants=[GrantCreate(role=Role.PLATFORM_ADMIN, org_node_id=root.id)],
            )
    finally:
        database.dispose()
