"""Configuration: one settings class, read from `HOUSESCAN_*` environment variables.

Everything has an embedded default, so the service runs with nothing set: SQLite and a photo folder
under the data dir, the in-process worker and the offline `local` analysis provider.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

JWT_SECRET_FILE = "jwt_secret"  # noqa: S105 (a file name)
# The service talks to its database asynchronously: these are the drivers it ships with.
DATABASE_SCHEMES = ("postgresql+asyncpg://", "sqlite+aiosqlite://")
STORAGE_SCHEMES = ("file://", "s3://")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# Anyone who finds the JWT secret can sign tokens as any user; a short one is found by trying.
MIN_JWT_SECRET_LENGTH = 32
MIN_SERVICE_TOKEN_LENGTH = 16


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOUSESCAN_", env_file=None, extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: SQLite file in the data dir"
    )
    redis_url: str | None = None
    storage_url: str | None = Field(default=None, description="default: the `photos` folder in the data dir")
    agents_url: str | None = Field(default=None, description="standalone agents service; default in-process")
    agents_provider: Literal["local", "llm", "null"] = "local"
    agents_token: SecretStr | None = Field(default=None, description="bearer token between workers and agents service")
    metrics_token: SecretStr | None = Field(
        default=None, description="bearer token Prometheus must send to /metrics; unset: /metrics is open"
    )
    agents_timeout_seconds: float = 900.0
    web_dir: Path | None = Field(default=None, description="built web app; default: web/dist if present")

    # LLM provider (HOUSESCAN_AGENTS_PROVIDER=llm): any OpenAI-compatible endpoint, or a pydantic-ai model name.
    llm_model: str = Field(default="gpt-4o-mini", description="model name; `provider:model` for non-OpenAI providers")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. Ollama or vLLM")
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = 60.0
    llm_output_retries: int = 2
    llm_price_input_per_mtok: float | None = Field(default=None, description="USD per million input tokens")
    llm_price_output_per_mtok: float | None = Field(default=None, description="USD per million output tokens")
    scan_budget_usd: float | None = Field(default=1.0, description="LLM spend cap per scan")
    scan_budget_tokens: int | None = Field(default=500_000, description="LLM token cap per scan")
    user_monthly_budget_usd: float | None = Field(
        default=None, ge=0, description="LLM spend cap per user per calendar month (UTC); default unlimited"
    )
    agents_allowed_image_hosts: list[str] = Field(
        default_factory=list, description="hosts the agents service may fetch image URLs from"
    )

    # Scale-out: S3-compatible object store (HOUSESCAN_STORAGE_URL=s3://bucket/prefix).
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None

    jwt_secret: str | None = Field(default=None, description="default: generated once, kept in the data dir")
    access_token_minutes: int = Field(default=15, ge=1)
    refresh_token_days: int = Field(default=30, ge=1)
    image_url_seconds: int = Field(default=600, ge=1)

    max_image_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    max_images_per_request: int = Field(default=40, ge=1)
    max_images_per_scan: int = Field(default=300, ge=1)
    max_rooms_per_scan: int = Field(default=1000, ge=1)
    max_upload_request_bytes: int = Field(default=400 * 1024 * 1024, ge=1)
    max_request_pixels: int = Field(
        default=250_000_000, ge=1, description="decoded pixels of all photos of one upload request together"
    )
    max_pixels_in_flight: int = Field(
        default=300_000_000, ge=1, description="decoded pixels being checked at once in this process, all requests"
    )
    signup_limit_per_address: int = Field(default=20, ge=1, description="sign-ups per client address per window")
    signup_window_seconds: float = Field(default=3600.0, gt=0)
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1, description="any JSON request body")
    http_header_timeout_seconds: float = Field(
        default=5.0, gt=0, description="`serve`: a request's headers must arrive within this time (else 408)"
    )
    http_max_connections: int = Field(default=4096, ge=1, description="`serve`: open connections at once")
    http_max_pending_headers: int = Field(
        default=1024, ge=1, description="`serve`: connections still sending their headers at once"
    )

    worker_concurrency: int = Field(default=2, ge=1, description="scans analysed at once by a worker")
    job_max_attempts: int = Field(default=3, ge=1)
    job_backoff_seconds: float = Field(default=1.0, ge=0)
    sweep_interval_seconds: float = Field(default=60.0, gt=0)
    deleted_scan_check_seconds: float = Field(
        default=2.0, gt=0, description="how often a running analysis checks that its scan was not deleted"
    )
    run_worker: bool = Field(default=True, description="run the in-process worker inside `serve`")

    # Notifications and links (notifications/, reports/shares, account/).
    smtp_url: SecretStr | None = Field(
        default=None, description="smtp://[user:pass@]host:port, smtps://host; unset: mail is logged, not sent"
    )
    mail_from: str = "HouseScan <housescan@localhost>"
    public_url: str | None = Field(
        default=None, description="base of links in e-mails and shares, e.g. https://x.example"
    )
    push_allow_insecure_endpoints: bool = Field(
        default=False, description="accept http:// and private-address push endpoints (tests only)"
    )
    notification_retry_hours: float = Field(
        default=48.0,
        gt=0,
        description="an e-mail or push not sent is retried (1, 5, 15, 30 min, then hourly) this long",
    )
    http_body_idle_seconds: float = Field(
        default=10.0, gt=0, description="`serve`: longest wait for the next part of a request body (else 408)"
    )

    @field_validator("database_url")
    @classmethod
    def _async_database_driver(cls, url: str | None) -> str | None:
        """A URL naming another driver (`postgresql://`) would fail later with a traceback about a missing module."""
        if url is not None and not url.startswith(DATABASE_SCHEMES):
            raise ValueError(
                "unsupported database URL: use postgresql+asyncpg://USER@HOST:PORT/DB or sqlite+aiosqlite:///PATH"
            )
        return url

    @field_validator("storage_url")
    @classmethod
    def _known_storage(cls, url: str | None) -> str | None:
        if url is not None and not (url.startswith(STORAGE_SCHEMES) and url.partition("://")[2].strip("/")):
            raise ValueError("unsupported storage URL: use file://PATH or s3://BUCKET/PREFIX")
        return url

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: str | None) -> str | None:
        if url and not url.startswith(REDIS_SCHEMES):
            raise ValueError("unsupported Redis URL: use redis://HOST:PORT/DB, rediss://HOST:PORT/DB or unix://PATH")
        return url

    @field_validator("agents_token", "metrics_token")
    @classmethod
    def _service_token(cls, token: SecretStr | None) -> SecretStr | None:
        # Empty is unset (the route is open, as documented), never a token that "Bearer " with nothing matches.
        if token is None or not token.get_secret_value():
            return None
        if len(token.get_secret_value()) < MIN_SERVICE_TOKEN_LENGTH:
            raise ValueError(
                f"at least {MIN_SERVICE_TOKEN_LENGTH} characters: it is all that guards the route "
                "(e.g. `openssl rand -hex 24`)"
            )
        return token

    @field_validator("jwt_secret")
    @classmethod
    def _long_jwt_secret(cls, secret: str | None) -> str | None:
        if secret and len(secret) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(
                f"at least {MIN_JWT_SECRET_LENGTH} characters: whoever guesses it can sign in as anyone "
                "(e.g. `openssl rand -base64 48`; unset, one is generated and kept in the data dir)"
            )
        return secret

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not a web address: use https://HOST (the address people open HouseScan at)")
        return url

    @field_validator("smtp_url")
    @classmethod
    def _mail_server(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None and url.get_secret_value():
            parts = urlsplit(url.get_secret_value())
            try:
                parts.port  # noqa: B018 (raises on a port that is not a number)
            except ValueError:
                raise ValueError("the port is not a number: use smtp://[USER:PASS@]HOST:PORT") from None
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("unsupported mail URL: use smtp://[USER:PASS@]HOST:PORT or smtps://HOST")
        return url

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'housescan.db').resolve()}"

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @cached_property
    def resolved_jwt_secret(self) -> str:
        """The configured secret, else one generated on first start and kept in the data dir."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / JWT_SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        try:
            with path.open("x") as file:  # "x": two processes starting at once keep the first secret
                file.write(secret)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text().strip()
        return secret

    @property
    def resolved_web_dir(self) -> Path | None:
        candidate = self.web_dir or Path(__file__).resolve().parents[2] / "web" / "dist"
        return candidate if (candidate / "index.html").exists() else None
