"""Service configuration, read from LRS_* variables (or `.env`) and passed down explicitly.

`Settings` holds what the whole service shares; a component with settings of its own gets its
section (`settings.forwarding`, `settings.signin`, `settings.admission`, `settings.http`,
`settings.console`, `settings.mongo`) and nothing else. Each section reads its own variables,
so every name stays a flat `LRS_*` variable, and `Settings(forward_poll_seconds=...)` still
sets the field of the section.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = ".env"


class Section(BaseSettings):
    """A group of settings one component receives; `flat_prefix` + field name is its kwarg."""

    model_config = SettingsConfigDict(
        env_prefix="LRS_", env_file=ENV_FILE, extra="ignore", populate_by_name=True
    )
    flat_prefix: ClassVar[str] = ""

    @classmethod
    def flat_names(cls) -> dict[str, str]:
        """Flat Settings keyword (the variable without LRS_, lower case) → field name."""
        names = {}
        for name, field in cls.model_fields.items():
            alias = field.validation_alias
            flat = (
                str(alias.choices[0]).lower().removeprefix("lrs_")
                if isinstance(alias, AliasChoices)
                else cls.flat_prefix + name
            )
            names[flat] = name
        return names


class ForwardingSettings(Section):
    """The forwarding sender: polling, batches, retries, and which private networks it may reach."""

    model_config = SettingsConfigDict(env_prefix="LRS_FORWARD_")
    flat_prefix: ClassVar[str] = "forward_"

    enabled: bool = Field(
        default=True,
        validation_alias=AliasChoices("LRS_FORWARDING_ENABLED", "enabled"),
        description="Run the forwarding sender.",
    )
    poll_seconds: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=100, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    max_attempts: int = Field(
        default=20, gt=0, description="Attempts of one statement before it is a dead letter."
    )
    allowed_networks: str = Field(
        default="",
        description=(
            "Comma-separated addresses or CIDR networks forwarding may reach although they are"
            " loopback, link-local, private or reserved (all others are refused)."
        ),
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip())  # ValueError names the bad entry
        return value


class SignInSettings(Section):
    """Throttling of failed sign-ins and the pool that checks secrets."""

    model_config = SettingsConfigDict(env_prefix="LRS_SIGNIN_")
    flat_prefix: ClassVar[str] = "signin_"

    failures_per_key: int = Field(
        default=10,
        ge=0,
        description="Failed sign-ins per credential key and window before 429; 0 = no limit.",
    )
    failures_per_address: int = Field(
        default=60,
        ge=0,
        description="Failed sign-ins per client address and window before 429; 0 = no limit.",
    )
    failure_window_seconds: float = Field(
        default=60.0, gt=0, description="Window over which failed sign-ins are counted."
    )
    verify_threads: int = Field(
        default=1, gt=0, description="Secret checks (scrypt) run at once per process."
    )
    verify_queue: int = Field(
        default=64, ge=0, description="Sign-ins waiting for a secret check; more get 503."
    )


class AdmissionSettings(Section):
    """Per-process budgets of admission control; 0 derives a limit from the store's capacity."""

    max_inflight_requests: int = Field(
        default=0,
        ge=0,
        description="Requests admitted at once; more get 503 (0: derived from capacity).",
    )
    max_pending_writes: int = Field(
        default=0,
        ge=0,
        description="Write requests admitted and writer jobs queued (0: group_commit_max / 2).",
    )
    max_inflight_body_bytes: int = Field(
        default=256 * 1024 * 1024,
        gt=0,
        description="Request bytes admitted at once, by Content-Length (chunked: max_body_bytes).",
    )
    max_inflight_work_bytes: int = Field(
        default=384 * 1024 * 1024,
        gt=0,
        description="Estimated memory of admitted request bodies once parsed, held until "
        "answered (JSON bodies: 16x their length, then an estimate from their text).",
    )
    write_saturation_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Writes refused for capacity this long without a pause: /readyz fails.",
    )
    admission_wait_ms: int = Field(
        default=0, ge=0, description="How long a request over capacity waits before its 503."
    )


class HttpSettings(Section):
    """How slowly a client may send a request before its 408, and uvicorn's HTTP parser."""

    header_timeout: float = Field(
        default=20.0,
        gt=0,
        description="Seconds to receive a request line and headers (408, connection closed).",
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Longest wait for the next part of a request body (408, connection closed).",
    )
    body_min_rate: int = Field(
        default=500,
        ge=0,
        description="Bytes/second a body must average beyond body_timeout's grace (0: no rate).",
    )
    body_max_seconds: float = Field(
        default=0.0, ge=0, description="Longest a whole request body may take (0: no total cap)."
    )
    http_parser: Literal["auto", "httptools", "h11"] = Field(
        default="auto", description="uvicorn's HTTP/1.1 parser; auto: httptools when installed."
    )


class ConsoleSettings(Section):
    """The web console at /console/ and its sessions (issue 18)."""

    model_config = SettingsConfigDict(env_prefix="LRS_CONSOLE_")
    flat_prefix: ClassVar[str] = "console_"

    enabled: bool = Field(default=True, description="Serve the web console at /console/.")
    idle_minutes: float = Field(
        default=30.0, gt=0, description="A console session ends after this long without a request."
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="A console session ends this long after its sign-in."
    )


class ClaimGrant(BaseModel):
    """What one value of the sign-in claim grants a person: a tenant and scopes in it."""

    model_config = {"extra": "forbid"}

    tenant: str
    scopes: list[str] = Field(min_length=1)


class OidcSettings(Section):
    """Single sign-on for people through an OpenID Provider (issue 20); off without an issuer."""

    model_config = SettingsConfigDict(env_prefix="LRS_OIDC_")
    flat_prefix: ClassVar[str] = "oidc_"

    issuer: str | None = Field(
        default=None,
        description="The OpenID Provider's issuer URL; set, the console offers "
        '"Sign in with SSO" (discovery at ISSUER/.well-known/openid-configuration).',
    )
    client_id: str | None = Field(default=None, description="This LRS's client id at the OP.")
    client_secret: SecretStr | None = Field(
        default=None, description="The client secret (or LRS_OIDC_CLIENT_SECRET_FILE)."
    )
    client_secret_file: str | None = Field(
        default=None, description="A file holding the client secret (its first line)."
    )
    scopes: str = Field(
        default="openid profile email",
        description="Scopes requested at sign-in, space-separated; add the one that releases "
        "the claim (e.g. groups) if the OP needs it.",
    )
    claim: str = Field(
        default="groups",
        description="The claim (ID token, else userinfo) whose values map to a tenant and "
        "scopes; a dotted name reads a nested claim (realm_access.roles).",
    )
    mapping: dict[str, ClaimGrant] = Field(
        default_factory=dict,
        description='Claim value -> grant, as JSON: {"lnd": {"tenant": "acme", "scopes": '
        '["outcomes/read"]}}. The first matching entry decides the tenant; later matches in '
        "that tenant add scopes. A person matching none is refused.",
    )
    mapping_file: str | None = Field(
        default=None, description="A JSON or YAML file holding the mapping (instead of _MAPPING)."
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Limit on each request to the OpenID Provider."
    )

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if self.issuer is None:
            return self
        if not self.client_id:
            raise ValueError("LRS_OIDC_ISSUER needs LRS_OIDC_CLIENT_ID")
        if self.client_secret is None and not self.client_secret_file:
            raise ValueError("LRS_OIDC_ISSUER needs LRS_OIDC_CLIENT_SECRET or _SECRET_FILE")
        if not self.mapping and not self.mapping_file:
            raise ValueError("LRS_OIDC_ISSUER needs LRS_OIDC_MAPPING or LRS_OIDC_MAPPING_FILE")
        if "openid" not in self.scopes.split():
            raise ValueError("LRS_OIDC_SCOPES must include openid")
        return self


class MongoSettings(Section):
    """The MongoDB store's connection (issue 4): used when LRS_STORE_URL is mongodb:// or
    mongodb+srv://; options in the URL win."""

    model_config = SettingsConfigDict(env_prefix="LRS_MONGO_")
    flat_prefix: ClassVar[str] = "mongo_"

    write_concern: str = Field(
        default="majority", description="Write concern `w`: majority or a number of members."
    )
    journal: bool = Field(default=True, description="Acknowledge writes once journaled.")
    read_preference: Literal[
        "primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"
    ] = Field(default="primary", description="Where reads go; anything but primary may lag.")
    timeout_ms: int = Field(
        default=10_000,
        gt=0,
        description="Limit on each store operation, finding a server and connecting included.",
    )
    consistency_lag_ms: int = Field(
        default=0,
        ge=0,
        description="Subtracted from Consistent-Through; set it when several processes write.",
    )


SECTIONS: dict[str, type[Section]] = {
    "forwarding": ForwardingSettings,
    "signin": SignInSettings,
    "admission": AdmissionSettings,
    "http": HttpSettings,
    "console": ConsoleSettings,
    "oidc": OidcSettings,
    "mongo": MongoSettings,
}


def _named_by_variable(exc: ValidationError, section: type[Section]) -> ValidationError:
    """The section's error with each field named by its LRS_* variable, as operators set it."""
    envs = {name: env for env, name in _fields(section)}
    errors: list[InitErrorDetails] = []
    for error in exc.errors():
        loc = tuple(envs.get(str(part), part) for part in error["loc"])
        detail: InitErrorDetails = {"type": error["type"], "loc": loc, "input": error["input"]}
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        errors.append(detail)
    return ValidationError.from_exception_data("Settings", errors)


def _fields(model: type[BaseSettings]) -> Iterator[tuple[str, str]]:
    """(environment variable, field name) of a settings class's own fields, sections left out."""
    prefix = str(model.model_config.get("env_prefix", ""))
    for name, field in model.model_fields.items():
        if name in SECTIONS:
            continue
        alias = field.validation_alias
        env = str(alias.choices[0]) if isinstance(alias, AliasChoices) else prefix + name
        yield env.upper(), name


class Settings(BaseSettings):
    """Every setting is an environment variable with the LRS_ prefix (or a line in .env)."""

    model_config = SettingsConfigDict(env_prefix="LRS_", env_file=ENV_FILE, extra="ignore")

    def __init__(self, **values: Any) -> None:
        """Build each section from its variables, with flat keywords routed to their section."""
        env_file: str | Path | None = values.get("_env_file", ENV_FILE)
        for name, section in SECTIONS.items():
            if name in values:
                continue
            flat = section.flat_names()
            own = {flat[key]: values.pop(key) for key in list(values) if key in flat}
            try:
                values[name] = section(_env_file=env_file, **own)
            except ValidationError as exc:
                raise _named_by_variable(exc, section) from None
        super().__init__(**values)

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
    statement_writer: Literal["thread", "process"] = Field(
        default="thread",
        description=(
            "Where an SQLite store writes statements: the server's writer thread, or a writer "
            "process of its own that does not share the event loop's GIL (`process` under "
            "`serve` when the process may use two cores or more)."
        ),
    )
    tune_interpreter: bool = Field(
        default=False, description="GC and GIL tuning for serving (on under `serve`)."
    )
    log_level: str = "info"
    # Operations (issue 7): logs, shutdown, readiness, metrics.
    log_format: Literal["json", "text"] = Field(default="json", description="Log line format.")
    access_log: bool = Field(default=True, description="One log line per request.")
    shutdown_timeout: int = Field(
        default=30, ge=0, description="Seconds to finish in-flight requests after SIGTERM."
    )
    ready_timeout: float = Field(default=2.0, gt=0, description="Seconds per readiness check.")
    writer_stall_seconds: float = Field(
        default=30.0, gt=0, description="A write transaction running longer means not ready."
    )
    outbox_alarm_depth: int = Field(
        default=100_000, gt=0, description="Outbox depth at which the service reports not ready."
    )
    metrics_scope: str = Field(
        default="metrics", description="Scope a credential needs for /metrics."
    )
    # Security review (issue 20): monitoring, rotation, audit, secrets at rest, retention.
    metrics_open: bool = Field(
        default=False, description="Serve /metrics to anyone, without a credential."
    )
    retention_interval_seconds: float = Field(
        default=86400.0,
        ge=0,
        description="How often tenants' retention policies run inside the service (the first "
        "run a minute after start); 0: only by hand. No tenant has a policy by default.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet keys sealing forwarding secrets at rest, comma-separated: the first "
        "seals, all unseal (rotation).",
    )
    secret_key_file: str | None = Field(
        default=None,
        description="A file of Fernet keys, one a line (first seals); unset with SQLite: a "
        "generated key file beside the database.",
    )
    # Tenants, credentials, limits, forwarding (issue 5).
    # Quotas are opt-in: a well-behaved client is never refused for its rate unless an
    # operator chose a rate (here, or for a tenant or credential); overload is admission's job.
    rate_limit_per_second: float = Field(
        default=0.0,
        ge=0,
        description="Default quota in requests/s per credential; 0 = no quota (the default).",
    )
    rate_limit_burst: int = Field(
        default=200, gt=0, description="Default bucket size of a quota (used once a rate is set)."
    )
    quota_shared: bool = Field(
        default=True,
        description="Count rate quotas in the store, one budget for every process sharing it.",
    )
    max_batch_statements: int = Field(
        default=10_000, gt=0, description="Default most statements in one request (413 above)."
    )
    auth_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a verified credential is trusted from memory."
    )
    usage_flush_seconds: float = Field(
        default=60.0, gt=0, description="How often credential last-used times are written."
    )
    # Security basics (issue 9): request size limits beyond the body.
    max_json_depth: int = Field(
        default=64,
        gt=0,
        le=200,
        description="Deepest nesting of JSON arrays/objects in statements and documents (400).",
    )
    max_header_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Total request header bytes (431 above)."
    )
    max_query_bytes: int = Field(
        default=8 * 1024, ge=256, description="Query string bytes (414 above)."
    )
    max_json_values: int = Field(
        default=2_000_000,
        gt=0,
        description="Most JSON values and member names in one statement or document body "
        "(413 above; a 10,000-statement batch of typical statements holds about 1,000,000).",
    )
    # Outcome reports: no aggregate figure about fewer people than this leaves the service.
    min_group_size: int = Field(
        default=5,
        ge=1,
        description="Fewest people an aggregate outcome figure may describe; smaller org units "
        "are suppressed from rates, the KPI table, impact estimates and their exports.",
    )
    min_group_size_tenants: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        description='Per-tenant minimum group sizes as JSON, e.g. {"acme": 10}; overrides '
        "LRS_MIN_GROUP_SIZE for those tenants.",
    )
    evaluation_lease_seconds: float = Field(
        default=10.0,
        ge=0.5,
        description="Term of the lease by which one process at a time evaluates a tenant's "
        "outcomes; another takes over within about this long after its holder dies (a clean "
        "stop hands over at once).",
    )
    forwarding: ForwardingSettings
    signin: SignInSettings
    admission: AdmissionSettings
    http: HttpSettings
    console: ConsoleSettings
    oidc: OidcSettings
    mongo: MongoSettings

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

    @property
    def inflight_request_limit(self) -> int:
        """LRS_MAX_INFLIGHT_REQUESTS, or the limit derived from the store's capacity."""
        requests = self.admission.max_inflight_requests
        return requests or self.pending_write_limit + 16 * self.read_threads

    @property
    def pending_write_limit(self) -> int:
        """LRS_MAX_PENDING_WRITES, or half a group commit's worth of jobs."""
        return self.admission.max_pending_writes or max(1, self.group_commit_max // 2)

    @classmethod
    def variable_names(cls) -> list[str]:
        """Every LRS_* variable, sections included, in declaration order."""
        models: list[type[BaseSettings]] = [cls, *SECTIONS.values()]
        return [env for model in models for env, _ in _fields(model)]

    def variables(self) -> Iterator[tuple[str, str, Any]]:
        """(environment variable, field name, value) of every setting, sections included."""
        parts: list[BaseSettings] = [self, *(getattr(self, name) for name in SECTIONS)]
        for part in parts:
            for env, name in _fields(type(part)):
                yield env, name, getattr(part, name)
