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
    json_mode: Literal["json_schema", "json_object"] = Field(
        "json_schema", description="json_object for servers (e.g. llama.cpp) that reject json_schema."
    )
    local_model: Path | None = Field(None, description="A GGUF file to use instead of the packaged model.")
    local_threads: int | None = None
    local_ctx: int = 8192
    cache_dir: Path = Path(platformdirs.user_cache_dir("cjgen"))
    concurrency: int = 4
    max_reasks: int = 2
    request_timeout_s: float = 300.0
    interviewer: str | None = Field(
        None, description="Comma-separated speaker names read as the interviewer in every transcript."
    )


def get_settings() -> Settings:
    return Settings()
