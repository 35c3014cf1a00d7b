"""The platform's one settings object; nothing else reads the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    # Materials (申请材料): a local directory by default, or an S3-compatible service.
    materials_backend: Literal["local", "s3"] = "local"
    materials_dir: Path = Path("./materials")
    materials_max_mb: int = Field(default=20, ge=1, le=200)
    s3_endpoint: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    # E-licences (电子证照): the simulated library until a real one is configured.
    elicence_backend: Literal["simulated", "http"] = "simulated"
    elicence_base_url: str = ""
    elicence_timeout_s: float = 5.0
    public_base_url: str = Field(default="http://127.0.0.1:8000", description="host in QR links for phones")
    phone_upload_ttl_s: int = Field(default=600, ge=60, le=3600)
    # How long after a department delivers a result document (证明/证照) the submitting kiosk may print it.
    result_document_window_s: int = Field(default=1800, ge=60, le=86400)
    # Personal data at rest (SM4-GCM, core/sealing.py): key id → 32 hex characters (a 16-byte SM4 key).
    # Without keys, development and tests derive one from secret_key; production must set both.
    data_keys: dict[str, SecretStr] = Field(default_factory=dict, description="sealing keys by key id")
    data_key_id: str = Field(default="", description="the key id new data is sealed with")
    case_retention_days: int = Field(
        default=3 * 365, ge=1, le=36500, description="personal data of closed cases kept this long"
    )
    purge_interval_s: float = Field(default=3600.0, gt=0, description="how often the purge job runs")


@lru_cache
def get_settings() -> Settings:
    """The settings of this process."""
    return Settings()
