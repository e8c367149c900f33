"""The provider config file (order of each fallback chain, models, voices, base URLs) and the secrets.

Two sources, kept apart on purpose: choices live in one YAML file shipped with the package
(`providers.yaml`, or the file NOTES_PIPELINE_PROVIDERS_CONFIG names), secrets only in the
environment. Secrets are `SecretStr`, so a repr, a log line or an exception that shows a
`Secrets` object shows asterisks, never a key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from notes_pipeline.providers.catalog import declared_providers
from notes_pipeline.providers.embeddings.base import EMBEDDING_DIMENSIONS

CONFIG_ENV_VAR = "NOTES_PIPELINE_PROVIDERS_CONFIG"

# Secrets that no chain provider's `needs` names (see providers/catalog.py): field -> its environment variable.
# A provider's own secrets come from the variable named like the field in capitals (gemini_api_key: GEMINI_API_KEY).
OTHER_SECRETS: dict[str, str] = {
    "openai_api_key": "OPENAI_API_KEY",  # only for OpenAI-compatible servers that ask for a key
    "webhook_url": "NOTES_PIPELINE_WEBHOOK_URL",  # hook URLs often carry a token: kept secret too
    "webhook_secret": "NOTES_PIPELINE_WEBHOOK_SECRET",
    "sheets_credentials": "GOOGLE_SHEETS_CREDENTIALS",  # service-account JSON, or a path to it
    "audit_sheet_id": "NOTES_PIPELINE_AUDIT_SHEET_ID",
    "google_oauth": "NOTES_PIPELINE_GOOGLE_OAUTH",  # publishing: an authorized-user JSON, or a path to it
    "c2pa_cert": "NOTES_PIPELINE_C2PA_CERT",  # C2PA signing certificate chain: PEM, or a path to it
    "c2pa_key": "NOTES_PIPELINE_C2PA_KEY",
}
# Field of `Secrets` -> the environment variable it comes from: every secret, derived from the two above.
SECRET_ENV_VARS: dict[str, str] = {
    **{
        field: field.upper()
        for provider in declared_providers().values()
        for option in provider.needs
        for field in option
    },
    **OTHER_SECRETS,
}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProviderSettings(_Strict):
    """A provider's own section of providers.yaml: its module declares it as the class's `Settings`."""


class _Open(BaseModel):
    """Sections whose providers may need settings of their own: unknown keys are kept, not refused."""

    model_config = ConfigDict(frozen=True, extra="allow")


class HttpConfig(_Strict):
    connect_timeout_s: float = Field(5, gt=0)
    read_timeout_s: float = Field(60, gt=0)
    max_attempts: int = Field(3, ge=1, le=10)
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(20, ge=0)
    breaker_failures: int = Field(5, ge=1)
    breaker_cooldown_s: float = Field(60, ge=0)
    max_response_bytes: int = Field(20_000_000, gt=0)


class GeminiModels(_Strict):
    fast: str
    strong: str
    grounded: str


class GeminiRouting(_Strict):
    strong_min_words: int = Field(1200, ge=1)
    strong_min_sections: int = Field(8, ge=1)
    strong_for_translation: bool = True
    grounding_cues: list[str] = Field(default_factory=list)


class GeminiConfig(_Strict):
    base_url: str
    models: GeminiModels
    routing: GeminiRouting = GeminiRouting()
    temperature: float = Field(0.4, ge=0, le=2)
    regenerate_temperature: float = Field(0.1, ge=0, le=2)
    timeout_s: float = Field(90, gt=0)


class LocalLLMConfig(_Strict):
    """A local LLM server's model and patience; its address comes from the environment."""

    model: str = "llama3.1:8b"
    temperature: float = Field(0.4, ge=0, le=2)
    regenerate_temperature: float = Field(0.1, ge=0, le=2)
    timeout_s: float = Field(300, gt=0, description="Local models on a CPU can take minutes per script.")
    context_tokens: int | None = Field(None, ge=2048, description="Ollama's num_ctx; None: the model's default.")


class ScriptConfig(_Strict):
    writers: list[str] = Field(min_length=1)
    gemini: GeminiConfig
    ollama: LocalLLMConfig = LocalLLMConfig()
    openai_compatible: LocalLLMConfig = LocalLLMConfig(model="local-model")


class NarrationConfig(_Open):
    """The narration chain, and one section of settings per narrator, named like it.

    A section is read by its narrator's own `Settings` model when the narrator is built
    (`settings_for`), so a narrator's settings live in its module; a section no narrator
    is called is refused here, at load.
    """

    chain: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _sections_name_narrators(self) -> NarrationConfig:
        known = {name for name, p in declared_providers().items() if p.module.startswith("tts/")}
        unknown = sorted(set(self.model_extra or {}) - known)
        if unknown:
            raise ValueError(f"no narrator is called {', '.join(unknown)}; narrators: {', '.join(sorted(known))}")
        return self

    def settings_for(self, narrator: Any) -> BaseModel:
        """The narrator class's section, validated by its `Settings` model (a clear error names the section)."""
        section = (self.model_extra or {}).get(narrator.name) or {}
        try:
            return narrator.Settings.model_validate(section)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
            raise ProviderConfigError(
                f"narration.{narrator.name} in the provider config is invalid: {problems}"
            ) from None


class ImageProviderConfig(_Open):
    base_url: str
    model: str


class ImageSearchConfig(_Open):
    base_url: str


class StockLibraryConfig(_Strict):
    base_url: str


class StockConfig(_Strict):
    """Stock photo and video libraries (Pexels, Pixabay): used when enabled and their key is set."""

    enabled: bool = True
    order: list[Literal["pexels", "pixabay"]] = Field(default_factory=lambda: ["pexels", "pixabay"])
    media: list[Literal["photos", "videos"]] = Field(
        default_factory=lambda: ["photos", "videos"],
        min_length=1,
        description="What to search, in order: the next kind only when the first found too little.",
    )
    min_scale: float = Field(
        0.75,
        gt=0,
        le=1,
        description="A result must cover the frame when enlarged at most 1/min_scale times; smaller ones are skipped.",
    )
    per_page: int = Field(15, ge=3, le=80)
    max_pages: int = Field(2, ge=1, le=10)
    max_clip_bytes: int = Field(60_000_000, gt=0)
    candidates: int = Field(4, ge=1, le=8, description="With review: pictures kept per scene for `edit --pick`.")
    pexels: StockLibraryConfig = StockLibraryConfig(base_url="https://api.pexels.com")
    pixabay: StockLibraryConfig = StockLibraryConfig(base_url="https://pixabay.com")


class VeoConfig(_Strict):
    """Veo clips (providers/images/veo.py): model, clip length and how long to wait for one."""

    base_url: str = "https://aiplatform.googleapis.com"
    model: str = "veo-3.0-fast-generate-001"
    duration_s: int = Field(8, ge=4, le=8, description="Seconds of video per clip (what is billed).")
    resolution: str = Field("720p", pattern=r"^(720p|1080p)$")
    generate_audio: bool = Field(False, description="The composer mutes clips: sound would only cost more.")
    poll_s: float = Field(10, gt=0, description="Seconds between polls of the long-running operation.")
    timeout_s: float = Field(360, gt=0, description="Longest wait for one clip; then the chain falls back.")
    request_timeout_s: float = Field(60, gt=0, description="Timeout of each HTTP request to the API.")


class ImagesConfig(_Open):
    chain: list[str] = Field(min_length=1)
    cloudflare: ImageProviderConfig
    together: ImageProviderConfig
    huggingface: ImageProviderConfig
    search: ImageSearchConfig
    stock: StockConfig = StockConfig()
    veo: VeoConfig = VeoConfig()


class EmbeddingsConfig(_Strict):
    """Prompt embeddings for the semantic cache: Gemini when its key is set, the local embedder otherwise."""

    model: str = "gemini-embedding-001"
    dimensions: int = Field(EMBEDDING_DIMENSIONS, description="Must equal the width of projects.prompt_embedding.")

    @field_validator("dimensions")
    @classmethod
    def _matches_the_table(cls, value: int) -> int:
        if value != EMBEDDING_DIMENSIONS:
            raise ValueError(
                f"the database stores {EMBEDDING_DIMENSIONS}-dimensional embeddings; "
                "changing it needs a migration of projects.prompt_embedding"
            )
        return value


class ConcurrencyConfig(_Strict):
    """Calls in flight at once per provider, across every run and process sharing the database."""

    limits: dict[str, int] = Field(default_factory=dict)
    wait_s: float = Field(300, gt=0, description="Longest wait for a slot before the chain falls back.")

    @field_validator("limits")
    @classmethod
    def _positive(cls, limits: dict[str, int]) -> dict[str, int]:
        bad = [name for name, limit in limits.items() if limit < 1]
        if bad:
            raise ValueError(f"limits must be at least 1 (got {', '.join(bad)})")
        return limits


class AuditConfig(_Strict):
    """Copies of the audit trail besides Postgres: the webhook and the Google Sheet (both optional)."""

    sheets_base_url: str = "https://sheets.googleapis.com/"
    sheets_tab: str = Field("", description="The tab holding the rows; empty: the spreadsheet's first tab.")
    sheets_flush_interval_s: float = Field(2, ge=0)
    webhook_timeout_s: float = Field(3, gt=0)
    webhook_attempts: int = Field(3, ge=1, le=10)
    queue_size: int = Field(1000, ge=1)


class PublishConfig(_Strict):
    """YouTube and Drive uploads (publish/): where the APIs are and how uploads are cut. Credentials: env only."""

    youtube_base_url: str = "https://youtube.googleapis.com/"
    drive_base_url: str = "https://www.googleapis.com/"
    token_uri: str = "https://oauth2.googleapis.com/token"
    chunk_mb: int = Field(8, ge=1, le=256, description="Resumable upload chunk size (a multiple of 256 KiB).")
    timeout_s: float = Field(60, gt=0)
    ca_certs: str | None = Field(None, description="A CA bundle to trust instead of the system's (a TLS proxy).")


class ProvidersConfig(_Strict):
    http: HttpConfig = HttpConfig()
    script: ScriptConfig
    narration: NarrationConfig
    images: ImagesConfig
    embeddings: EmbeddingsConfig = EmbeddingsConfig()
    concurrency: ConcurrencyConfig = ConcurrencyConfig()
    audit: AuditConfig = AuditConfig()
    publish: PublishConfig = PublishConfig()


class ProviderConfigError(ValueError):
    """The provider config file is missing or wrong; the message names the file and the field."""


def default_config_path() -> Path:
    return Path(str(resources.files("notes_pipeline.providers").joinpath("providers.yaml")))


def config_path(path: str | Path | None = None) -> Path:
    """An explicit path, else $NOTES_PIPELINE_PROVIDERS_CONFIG, else the file shipped with the package."""
    chosen = path or os.environ.get(CONFIG_ENV_VAR) or default_config_path()
    return Path(chosen).expanduser()


def load_config(path: str | Path | None = None) -> ProvidersConfig:
    source = config_path(path)
    try:
        raw: Any = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as err:
        raise ProviderConfigError(f"cannot read the provider config {source}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ProviderConfigError(f"the provider config {source} is not valid YAML: {err}") from None
    try:
        return ProvidersConfig.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise ProviderConfigError(f"the provider config {source} is invalid: {problems}") from None


class Secrets(_Strict):
    """API keys and credentials by field of SECRET_ENV_VARS; a field is absent when its variable is unset or empty."""

    values: dict[str, SecretStr] = Field(default_factory=dict)

    @field_validator("values")
    @classmethod
    def _known(cls, values: dict[str, SecretStr]) -> dict[str, SecretStr]:
        unknown = sorted(set(values) - set(SECRET_ENV_VARS))
        if unknown:
            raise ValueError(f"unknown secrets {unknown}; known: {sorted(SECRET_ENV_VARS)}")
        return values

    @classmethod
    def from_values(cls, values: Mapping[str, str | None]) -> Secrets:
        """Empty strings count as unset, so `KEY=` in an env file does not half-configure a provider."""
        return cls(values={k: SecretStr(v) for k, v in values.items() if v})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if environ is None else environ
        return cls.from_values({field: env.get(var) for field, var in SECRET_ENV_VARS.items()})

    def value(self, field: str) -> str | None:
        if field not in SECRET_ENV_VARS:
            raise KeyError(f"unknown secret {field!r}")
        secret = self.values.get(field)
        return secret.get_secret_value() if secret is not None else None

    def require(self, field: str) -> str:
        """The secret's value; a clear error naming its variable when unset (a chain only builds configured ones)."""
        value = self.value(field)
        if value is None:
            raise ProviderConfigError(f"{SECRET_ENV_VARS[field]} is not set")
        return value

    def present(self) -> list[str]:
        """Values of every secret that is set: what must never appear in logs or artefacts."""
        return [secret.get_secret_value() for secret in self.values.values()]
