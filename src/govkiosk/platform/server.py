"""Running the platform: migrations, then uvicorn."""

import uvicorn

from govkiosk.platform.app import create_app
from govkiosk.platform.core.logging import configure
from govkiosk.platform.core.settings import Settings, get_settings
from govkiosk.platform.db import migrate
from govkiosk.platform.db.session import Database


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
