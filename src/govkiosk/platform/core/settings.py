"""The platform's one settings object; nothing else reads the environment."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Platform settings, from `GOVKIOSK_*` environment variables or the command line."""

    model_config = SettingsConfigDict(env_prefix="GOVKIOSK_", extra="ignore")

    db_url: str = "sqlite:///./govkiosk.db"
    secret_key: str = Field(default="", description="signs terminal tokens; generated per process if empty")
    heartbeat_interval_s: int = 60
    offline_grace_s: int = 30
    heartbeat_flush_s: float = 1.0
    fleet_cache_refresh_s: float = 1.0
    sweep_interval_s: float = 5.0
    terminal_token_ttl_s: int = 3600
    challenge_ttl_s: int = 120
    console_session_ttl_s: int = 8 * 3600
    api_token_ttl_s: int = 3600
    action_default_ttl_s: int = 24 * 3600
    background_jobs: bool = True
    secure_cookies: bool = False
    log_json: bool = True


@lru_cache
def get_settings() -> Settings:
    """The settings of this process."""
    return Settings()
