"""Which providers can run here, and the fallback chains built from them.

A provider is configured when every secret it needs (its class's `needs`, see catalog.py) is set;
the others are left out of their chain (never called, never half-set-up). The offline providers
need nothing, so with no keys at all each chain is just its offline member and the pipeline
behaves exactly as it always has. Building a provider makes no network call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from notes_pipeline.providers.catalog import declared_providers
from notes_pipeline.providers.config import SECRET_ENV_VARS, ProviderConfigError, ProvidersConfig, Secrets, load_config
from notes_pipeline.providers.embeddings.base import Embedder
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.images.base import ImageSource
from notes_pipeline.providers.limits import SlotLimiter
from notes_pipeline.providers.llm.chain import ScriptWriterChain
from notes_pipeline.providers.tts.chain import NarratorChain

log = logging.getLogger(__name__)

CAPABILITIES = ("script", "narration", "images", "image search", "stock")


@dataclass(frozen=True)
class ProviderStatus:
    capability: str
    name: str
    configured: bool
    detail: str  # "offline", "GEMINI_API_KEY set", or what is missing; never a secret's value


class UnknownProviderError(ValueError):
    pass


class ProviderRegistry:
    """Providers from the config file's order and the secrets that are set. `sleep` is for tests.

    slots: the per-provider concurrency limiter every chain call goes through (None: no limits).
    """

    def __init__(
        self, config: ProvidersConfig, secrets: Secrets, *, sleep: Sleep = time.sleep, slots: SlotLimiter | None = None
    ) -> None:
        self.config = config
        self.secrets = secrets
        self.sleep = sleep
        self.slots = slots
        known = declared_providers()
        for capability, names in self.chains().items():
            for name in names:
                if name not in known:
                    raise UnknownProviderError(
                        f"unknown {capability} provider {name!r} in the provider config; known: {sorted(known)}"
                    )

    # ---- what is configured ------------------------------------------------------------
    def chains(self) -> dict[str, list[str]]:
        """Each capability's order as configured (configured or not)."""
        return {
            "script": list(self.config.script.writers),
            "narration": list(self.config.narration.chain),
            "images": list(self.config.images.chain),
            "image search": ["web_search", "slides"],
            "stock": list(self.config.images.stock.order) if self.config.images.stock.enabled else [],
        }

    def configured(self, name: str) -> bool:
        needs = declared_providers()[name].needs
        return not needs or any(all(self.secrets.value(f) for f in option) for option in needs)

    def _detail(self, name: str) -> str:
        options = declared_providers()[name].needs
        if not options:
            return "offline, always available"
        for option in options:
            if all(self.secrets.value(f) for f in option):
                return " + ".join(SECRET_ENV_VARS[f] for f in option) + " set"
        return "needs " + " or ".join(" + ".join(SECRET_ENV_VARS[f] for f in option) for option in options)

    def statuses(self) -> list[ProviderStatus]:
        return [
            ProviderStatus(capability, name, self.configured(name), self._detail(name))
            for capability, names in self.chains().items()
            for name in dict.fromkeys(names)
        ]

    def active(self, capability: str) -> list[str]:
        """The chain as it will run: its configured members, in order."""
        return [n for n in self.chains()[capability] if self.configured(n)]

    # ---- the chains --------------------------------------------------------------------
    def _build(self, factories: dict[str, Callable[[], Any]], names: list[str]) -> list[Any]:
        return [factories[n]() for n in names if n in factories]

    def script_writer(self) -> ScriptWriterChain:
        from notes_pipeline.providers.llm.local import LocalScriptWriter

        def gemini() -> Any:
            from notes_pipeline.providers.llm.gemini import GeminiScriptWriter

            return GeminiScriptWriter(
                self.config.script.gemini,
                api_key=self._secret("gemini_api_key"),
                http=self.config.http,
                sleep=self.sleep,
            )

        def ollama() -> Any:
            from notes_pipeline.providers.llm.local_llm import OllamaScriptWriter

            return OllamaScriptWriter(
                self.config.script.ollama, base_url=self._secret("ollama_host"), http=self.config.http, sleep=self.sleep
            )

        def openai_compatible() -> Any:
            from notes_pipeline.providers.llm.local_llm import OpenAICompatibleScriptWriter

            return OpenAICompatibleScriptWriter(
                self.config.script.openai_compatible,
                base_url=self._secret("openai_base_url"),
                api_key=self.secrets.value("openai_api_key"),
                http=self.config.http,
                sleep=self.sleep,
            )

        writers = self._build(
            {"gemini": gemini, "ollama": ollama, "openai_compatible": openai_compatible, "local": LocalScriptWriter},
            self.active("script"),
        )
        return ScriptWriterChain(writers or [LocalScriptWriter()], slots=self.slots)

    def narrator(self) -> NarratorChain:
        """Each configured narrator built by its own class from its providers.yaml section and the secrets:
        adding one is its module and providers.yaml (docs/adding_a_provider.md)."""
        from notes_pipeline.providers.tts.espeak import EspeakNarrator

        providers = declared_providers()
        narrators = []
        for name in self.active("narration"):
            narrator = providers[name].load()
            narrators.append(
                narrator.from_settings(
                    self.config.narration.settings_for(narrator), self.secrets, http=self.config.http, sleep=self.sleep
                )
            )
        return NarratorChain(narrators or [EspeakNarrator()], slots=self.slots)

    def image_source(self) -> ImageSource:
        from notes_pipeline.providers.images.chain import ImageChain
        from notes_pipeline.providers.images.slides import SlideRenderer

        images, http = self.config.images, self.config.http

        def cloudflare() -> Any:
            from notes_pipeline.providers.images.cloudflare import CloudflareImages

            return CloudflareImages(
                self._secret("cloudflare_api_token"),
                self._secret("cloudflare_account_id"),
                model=images.cloudflare.model,
                base_url=images.cloudflare.base_url,
                http=http,
                sleep=self.sleep,
            )

        def together() -> Any:
            from notes_pipeline.providers.images.together import TogetherImages

            return TogetherImages(
                self._secret("together_api_key"),
                model=images.together.model,
                base_url=images.together.base_url,
                http=http,
                sleep=self.sleep,
            )

        def huggingface() -> Any:
            from notes_pipeline.providers.images.huggingface import HuggingFaceImages

            return HuggingFaceImages(
                self._secret("hf_token"),
                model=images.huggingface.model,
                base_url=images.huggingface.base_url,
                http=http,
                sleep=self.sleep,
            )

        def veo() -> Any:
            from notes_pipeline.providers.images.veo import VeoClips

            return VeoClips(self._secret("veo_api_key"), images.veo, http=http, sleep=self.sleep)

        generators = self._build(
            {"cloudflare": cloudflare, "together": together, "huggingface": huggingface, "veo": veo},
            self.active("images"),
        )
        search = None
        if self.configured("web_search"):
            from notes_pipeline.providers.images.web_search import WebImageSearch

            search = WebImageSearch(
                self._secret("google_cse_api_key"),
                self._secret("google_cse_id"),
                base_url=images.search.base_url,
                http=http,
                sleep=self.sleep,
                **(images.search.model_extra or {}),
            )
        from notes_pipeline.providers.images.cards import NotesMaterial
        from notes_pipeline.providers.images.offline import OfflineVisuals

        # The notes' own figures, code, tables and formulas first; offline visuals (diagrams, icons) before the
        # text slide, which stays the last resort.
        return ImageChain(
            generators,
            search=search,
            stock=self.stock_libraries(),
            leading=[NotesMaterial()],
            trailing=[OfflineVisuals()],
            last_resort=SlideRenderer(),
            slots=self.slots,
        )

    def stock_libraries(self) -> list[ImageSource]:
        """Pexels and Pixabay in the configured order, those whose key is set (none when stock is disabled)."""
        config = self.config.images.stock
        settings = {
            "media": config.media,
            "min_scale": config.min_scale,
            "per_page": config.per_page,
            "max_pages": config.max_pages,
            "max_clip_bytes": config.max_clip_bytes,
            "http": self.config.http,
            "sleep": self.sleep,
        }

        def pexels() -> Any:
            from notes_pipeline.providers.images.pexels import PexelsLibrary

            return PexelsLibrary(self._secret("pexels_api_key"), base_url=config.pexels.base_url, **settings)

        def pixabay() -> Any:
            from notes_pipeline.providers.images.pixabay import PixabayLibrary

            return PixabayLibrary(self._secret("pixabay_api_key"), base_url=config.pixabay.base_url, **settings)

        return self._build({"pexels": pexels, "pixabay": pixabay}, self.active("stock"))

    def embedder(self) -> Embedder:
        """Gemini's embeddings when its key is set, falling back to the local embedder on any failure."""
        from notes_pipeline.providers.embeddings.local import LocalEmbedder

        if not self.secrets.value("gemini_api_key"):
            return LocalEmbedder()
        from notes_pipeline.providers.embeddings.fallback import FallbackEmbedder
        from notes_pipeline.providers.embeddings.gemini import GeminiEmbedder

        config = self.config.embeddings
        gemini = GeminiEmbedder(
            api_key=self._secret("gemini_api_key"),
            model=config.model,
            dimensions=config.dimensions,
            base_url=self.config.script.gemini.base_url,
        )
        return FallbackEmbedder(gemini, LocalEmbedder())

    def _secret(self, field: str) -> str:
        value = self.secrets.value(field)
        if value is None:
            raise UnknownProviderError(f"{SECRET_ENV_VARS[field]} is not set")
        return value

    def audit_sinks(self, load_workflows: Callable[[list[str]], list[Any]], database_key: str) -> list[Any]:
        """The webhook and the Google Sheet the environment configures (one of each per process)."""
        from notes_pipeline.providers.audit.sinks import external_sinks

        return external_sinks(self.config.audit, self.config.http, self.secrets, load_workflows, database_key)


def narration_kinds(environ: Mapping[str, str] | None = None) -> set[str]:
    """The narrators this deployment runs (the narration chain whose secrets are set), as Dagster kind tags.

    Read when the definitions load, from the same config file and environment the runs use. A broken
    config file is reported by the run that needs it, with the file and field named, so here it only
    leaves the offline voice's tag rather than stopping the whole code location from loading.
    """
    try:
        return set(ProviderRegistry(load_config(), Secrets.from_env(environ)).active("narration"))
    except (ProviderConfigError, UnknownProviderError) as err:
        log.warning("narration kinds: %s", err)
        return {"espeak"}
