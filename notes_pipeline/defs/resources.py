"""Resources: where the bucket is, which providers do the work, and the pipeline's limits.

Nothing here reads the environment at import time: defaults are resolved when a resource
is used, so tests and deployments configure them without reloading modules.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import BaseModel

from notes_pipeline.providers.embeddings.base import Embedder
from notes_pipeline.providers.images.base import ImageSource
from notes_pipeline.providers.llm.base import ScriptWriter
from notes_pipeline.providers.tts.base import Narrator
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, LocalBucket, load_model, put_model
from notes_pipeline.store.db import Database, open_database
from notes_pipeline.store.state import StateStore


def default_home() -> Path:
    """NOTES_PIPELINE_HOME, or ./out: where the local bucket and scratch space live."""
    return Path(os.environ.get("NOTES_PIPELINE_HOME", "out")).expanduser().resolve()


class BucketResource(dg.ConfigurableResource):
    """The bucket holding the inbox and every artefact. Empty `root`: $NOTES_PIPELINE_HOME/bucket."""

    root: str = ""

    def get(self) -> Bucket:
        return LocalBucket(Path(self.root) if self.root else default_home() / "bucket")


class PipelineSettings(dg.ConfigurableResource):
    """Limits and tuning that are product decisions, not per-document options."""

    max_notes_bytes: int = 5_000_000
    inbox_batch: int = 50
    inbox_settle_s: float = 1.0
    scene_workers: int = 4
    scratch_dir: str = ""
    semantic_cache_threshold: float = 0.98
    gc_retention_days: int = 14

    def scratch_root(self) -> Path:
        return Path(self.scratch_dir) if self.scratch_dir else default_home() / "scratch"


class ProvidersResource(dg.ConfigurableResource):
    """Which implementation serves each capability. Offline ones need no keys and no network."""

    script_writer: str = "local"
    narrator: str = "espeak"
    image_source: str = "slides"
    embedder: str = "local"

    @staticmethod
    def _one(capability: str, name: str, factories: dict[str, Callable[[], Any]]) -> Any:
        if name not in factories:
            raise ValueError(f"unknown {capability} provider {name!r}; choose one of {sorted(factories)}")
        return factories[name]()

    def get_script_writer(self) -> ScriptWriter:
        from notes_pipeline.providers.llm.local import LocalScriptWriter

        return self._one("script writer", self.script_writer, {"local": LocalScriptWriter})

    def get_narrator(self) -> Narrator:
        from notes_pipeline.providers.tts.espeak import EspeakNarrator

        return self._one("narrator", self.narrator, {"espeak": EspeakNarrator})

    def get_image_source(self) -> ImageSource:
        from notes_pipeline.providers.images.slides import SlideRenderer

        return self._one("image source", self.image_source, {"slides": SlideRenderer})

    def get_embedder(self) -> Embedder:
        from notes_pipeline.providers.embeddings.local import LocalEmbedder

        return self._one("embedder", self.embedder, {"local": LocalEmbedder})


class DatabaseResource(dg.ConfigurableResource):
    """The product database. Empty `url`: NOTES_PIPELINE_DATABASE_URL, else the embedded Postgres."""

    url: str = ""

    def get(self) -> Database:
        return open_database(self.url or None)

    def state(self) -> StateStore:
        return StateStore(self.get())


class ManifestIOManager(dg.ConfigurableIOManager):
    """Stores each asset's manifest as JSON in the bucket, next to the media it describes.

    Only small pydantic manifests pass through here; media bytes go to the bucket directly.
    """

    bucket: dg.ResourceDependency[BucketResource]

    def handle_output(self, context: dg.OutputContext, obj: BaseModel) -> None:
        if not isinstance(obj, BaseModel):
            raise TypeError(f"{context.asset_key.to_user_string()} must return a pydantic manifest, got {type(obj)}")
        put_model(self.bucket.get(), self._key(context.asset_partition_key, context.asset_key), obj)

    def load_input(self, context: dg.InputContext) -> BaseModel:
        model = context.dagster_type.typing_type
        key = self._key(context.asset_partition_key, context.asset_key)
        value = load_model(self.bucket.get(), key, model)
        if value is None:
            raise dg.Failure(f"manifest {key} is missing or unreadable: materialise "
                             f"{context.asset_key.to_user_string()} for this document first")
        return value

    @staticmethod
    def _key(partition_key: str, asset_key: dg.AssetKey) -> str:
        return keys.manifest(partition_key, asset_key.path[-1])


def pipeline_resources(bucket_root: str = "", database_url: str = "", **settings: Any) -> dict[str, Any]:
    """The resource bindings for the pipeline; `make demo`, `dagster dev` and tests all use this."""
    bucket = BucketResource(root=bucket_root)
    return {
        "bucket": bucket,
        "database": DatabaseResource(url=database_url),
        "settings": PipelineSettings(**settings),
        "providers": ProvidersResource(),
        "manifest_io": ManifestIOManager(bucket=bucket),
    }
