"""Settings from the environment (prefix CJGEN_), with OPENAI_API_KEY read as usual."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["auto", "local", "openai", "scripted"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CJGEN_", env_file=".env", extra="ignore")

    backend: Backend = "auto"
    model: str | None = Field(None, description="Model name for the openai backend.")
    base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("CJGEN_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible URL.",
    )
    api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("CJGEN_API_KEY", "OPENAI_API_KEY"))
    json_mode: Literal["json_schema", "strict", "json_object"] = Field(
        "json_schema",
        description="json_schema (OpenAI spec), strict (OpenAI strict structured outputs), or json_object: "
        "the schema beside json_object, for servers (llama.cpp's) that reject json_schema.",
    )
    endpoints: str = Field(
        "",
        description="Comma-separated base URLs of OpenAI-compatible replicas of one model (`local`: the "
        "embedded model); calls are balanced over them. Empty: CJGEN_BASE_URL alone.",
    )
    endpoint_concurrency: int = Field(4, ge=1, description="Calls in flight per endpoint at most.")
    endpoint_rest_s: float = Field(30.0, ge=0, description="How long a failed endpoint gets no calls.")
    local_model: Path | None = Field(None, description="A GGUF file to use instead of the packaged model.")
    local_threads: int | None = None
    local_ctx: int = 8192
    local_kept_mb: int = Field(
        1024,
        ge=0,
        description="Memory for copies of the embedded model's cache after long contexts (an interview read in "
        "chunks), so that later questions about an earlier chunk restore it instead of reading it again; 0: none.",
    )
    labels: Literal["states", "questions"] = Field(
        "states",
        description="How the embedded model labels sentences: read from the interview's hidden states by the "
        "shipped head (one pass), or one question per sentence. Other models are always asked.",
    )
    cache_dir: Path = Path(platformdirs.user_cache_dir("cjgen"))
    concurrency: int = 4
    max_reasks: int = 2
    request_timeout_s: float = 300.0
    interviewer: str | None = Field(
        None, description="Comma-separated speaker names read as the interviewer in every transcript."
    )

    # The HTTP service (`cjgen serve`).
    api_keys: SecretStr = Field(SecretStr(""), description="Comma-separated API keys; empty means no auth.")
    admin_keys: SecretStr = Field(
        SecretStr(""), description="Comma-separated keys that see and review every key's maps."
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in the user data dir.")
    max_request_bytes: int = Field(5 * 1024 * 1024, ge=1, description="Larger request bodies get 413.")
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per key (or client) a minute; 0: off."
    )
    failed_auth_per_minute: int = Field(10, ge=0, description="Wrong keys per client a minute, then 429.")
    job_workers: int = Field(2, ge=1, description="Map jobs that run at the same time.")
    job_queue: int = Field(8, ge=0, description="Map jobs that may wait for a worker; more get 503.")
    job_timeout_s: float = Field(1800.0, gt=0, description="A map job running longer fails.")
    job_lease_s: float = Field(30.0, gt=0, description="A job whose worker is silent this long fails.")
    runner: Literal["inprocess", "queue"] = Field(
        "inprocess",
        description="inprocess: map jobs run in the service's own threads; queue: in `cjgen worker` "
        "processes, through a task queue in PostgreSQL.",
    )
    queue_url: str | None = Field(
        None, description="PostgreSQL URL of the task queue; default: CJGEN_DATABASE_URL."
    )
    worker_concurrency: int = Field(2, ge=1, description="Tasks one `cjgen worker` runs at the same time.")
    worker_heartbeat_s: float = Field(
        5.0, gt=0, description="A worker silent three times this long has its tasks given to others."
    )
    summarize_workers: int = Field(2, ge=1, description="Summaries that run at the same time.")
    summarize_queue: int = Field(4, ge=0, description="Summaries that may wait; more get 503.")
    summarize_timeout_s: float = Field(300.0, gt=0, description="A summary running longer gets 504.")

    def endpoint_list(self) -> list[str]:
        return [e.strip().rstrip("/") for e in self.endpoints.split(",") if e.strip()]

    def keys(self) -> frozenset[str]:
        """Every key that may call the service (admin keys included)."""
        return _split(self.api_keys) | self.admins()

    def admins(self) -> frozenset[str]:
        return _split(self.admin_keys)


def _split(keys: SecretStr) -> frozenset[str]:
    return frozenset(k.strip() for k in keys.get_secret_value().split(",") if k.strip())


def get_settings() -> Settings:
    return Settings()
