"""Service configuration: one Settings object, read from LRS_* variables, passed down explicitly."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting is an environment variable with the LRS_ prefix (or a line in .env)."""

    model_config = SettingsConfigDict(env_prefix="LRS_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    base_path: str = "/xapi"
    public_url: str | None = Field(
        default=None,
        description="External base URL; used as the authority account homePage (SR-13).",
    )
    store_url: str = "sqlite:///./data/lrs.sqlite3"
    default_xapi_version: Literal["1.0.3", "2.0.0"] = Field(
        default="2.0.0",
        description="Version answered on requests without a usable version header (T-3).",
    )
    bootstrap_key: str | None = None
    bootstrap_secret: SecretStr | None = None
    max_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_page_size: int = Field(default=100, gt=0, description="Statements per page (SR-46).")
    cors_allow_origins: str = Field(default="*", description="Comma-separated origins, or *.")
    group_commit_max: int = Field(default=512, gt=0, description="Writer jobs per transaction.")
    read_threads: int = Field(default=4, gt=0)
    workers: int = Field(default=1, gt=0, description="Server processes sharing the store.")
    tune_interpreter: bool = Field(
        default=False, description="GC and GIL tuning for serving (on under `serve`)."
    )
    log_level: str = "info"

    @property
    def api_prefix(self) -> str:
        """The xAPI base path without a trailing slash (T-0)."""
        return "/" + self.base_path.strip("/") if self.base_path.strip("/") else ""

    @property
    def authority_home_page(self) -> str:
        """The homePage of authority accounts: the public URL, or where the service listens."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"
