"""Resources: where the bucket is, which providers do the work, and the pipeline's limits.

Nothing here reads the environment at import time: defaults are resolved when a resource
is used, so tests and deployments configure them without reloading modules.
"""

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import BaseModel

from notes_pipeline.domain.models import Tier
from notes_pipeline.providers.audit.base import AuditSink
from notes_pipeline.providers.config import SECRET_ENV_VARS, Secrets, load_config
from notes_pipeline.providers.embeddings.base import Embedder
from notes_pipeline.providers.images.base import ImageSource
from notes_pipeline.providers.llm.base import ScriptWriter
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline.providers.tts.base import Narrator
from notes_pipeline.store import keys
from notes_pipeline.store.audit import AuditLog
from notes_pipeline.store.bucket import Bucket, load_model, open_bucket, put_model
from notes_pipeline.store.db import Database, open_database
from notes_pipeline.store.slots import provider_slots
from notes_pipeline.store.state import StateStore


def default_home() -> Path:
    """NOTES_PIPELINE_HOME, or ./out: where the local bucket and scratch space live."""
    return Path(os.environ.get("NOTES_PIPELINE_HOME", "out")).expanduser().resolve()


BUCKET_ENV = "NOTES_PIPELINE_BUCKET"
S3_ENDPOINT_ENV = "NOTES_PIPELINE_S3_ENDPOINT_URL"
S3_REGION_ENV = "NOTES_PIPELINE_S3_REGION"


class BucketResource(dg.ConfigurableResource):
    """The bucket holding the inbox and every artefact: a local folder, or s3://bucket/prefix (S3, R2, MinIO).

    Empty fields are resolved each time the bucket is used, never at import: `root` from
    NOTES_PIPELINE_BUCKET, else $NOTES_PIPELINE_HOME/bucket; `endpoint_url` from
    NOTES_PIPELINE_S3_ENDPOINT_URL (R2: https://<account>.r2.cloudflarestorage.com);
    `region_name` from NOTES_PIPELINE_S3_REGION ("auto" for an R2 endpoint). Credentials are
    deliberately not fields: boto3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    (/ AWS_SESSION_TOKEN, AWS_PROFILE) itself, so they never appear in config, logs or the UI.
    """

    root: str = ""
    endpoint_url: str = ""
    region_name: str = ""
    max_attempts: int = 3  # boto3's retries per S3 request, the one retry owner (see store/s3.py)

    def location(self) -> str:
        return self.root or os.environ.get(BUCKET_ENV) or str(default_home() / "bucket")

    def get(self) -> Bucket:
        endpoint = self.endpoint_url or os.environ.get(S3_ENDPOINT_ENV, "")
        region = self.region_name or os.environ.get(S3_REGION_ENV, "")
        if not region and ".r2.cloudflarestorage.com" in endpoint:
            region = "auto"
        return open_bucket(self.location(), s3_client=lambda: _s3_client(endpoint, region, self.max_attempts))


@functools.cache
def _s3_client(endpoint_url: str, region_name: str, max_attempts: int) -> Any:
    """One boto3 client per endpoint (thread-safe, and slow to build: it loads the service model)."""
    from dagster_aws.s3 import S3Resource

    return S3Resource(
        endpoint_url=endpoint_url or None, region_name=region_name or None, max_attempts=max_attempts
    ).get_client()


class PipelineSettings(dg.ConfigurableResource):
    """Limits and tuning that are product decisions, not per-document options."""

    max_notes_bytes: int = 5_000_000
    inbox_batch: int = 50
    inbox_settle_s: float = 1.0
    inbox_list_limit: int = 1000  # keys listed per sensor tick: one page of list_objects_v2
    inbox_retry_skipped_s: float = 600.0
    scene_workers: int = 4
    scratch_dir: str = ""
    semantic_cache_threshold: float = 0.98
    gc_retention_days: int = 14
    default_tier: Tier = "standard"  # queue priority of documents that do not ask for one

    def scratch_root(self) -> Path:
        return Path(self.scratch_dir) if self.scratch_dir else default_home() / "scratch"


class ProvidersResource(dg.ConfigurableResource):
    """Which implementation serves each capability: the chains of providers.yaml, limited to providers
    whose secrets are set. With no keys every chain is its offline member (local, espeak, slides).

    Secrets are config values so Dagster resolves them from `EnvVar`s at run time: the run config and
    the UI show the variable's name, never its value. `pipeline_resources()` binds only the
    variables that are set, since an unset `EnvVar` fails the resource at start-up.
    """

    config_path: str = ""  # empty: $NOTES_PIPELINE_PROVIDERS_CONFIG, else the providers.yaml shipped
    # Field of SECRET_ENV_VARS -> its value; from_environment() binds each as an EnvVar.
    secrets: dict[str, str] = {}
    # Where provider slots are counted (providers.yaml `concurrency`): "" is the pipeline's database
    # (NOTES_PIPELINE_DATABASE_URL, else embedded); None turns the limits off.
    database_url: str | None = None

    def registry(self) -> ProviderRegistry:
        secrets = self.get_secrets()
        config = load_config(self.config_path or None)
        slots = None
        if self.database_url is not None and config.concurrency.limits:
            slots = provider_slots(self.database_url, config.concurrency.limits, wait_s=config.concurrency.wait_s)
        return ProviderRegistry(config, secrets, slots=slots)

    def get_secrets(self) -> Secrets:
        """The secrets as resolved for this run: what the registry and publishing use."""
        return Secrets.from_values(self.secrets)

    def get_audit_sinks(self, db: Database) -> list[AuditSink]:
        """The webhook and Google Sheet copies of the audit trail that the environment configures."""
        return self.registry().audit_sinks(AuditLog(db).workflows, db.url)

    def get_script_writer(self) -> ScriptWriter:
        return self.registry().script_writer()

    def get_narrator(self) -> Narrator:
        return self.registry().narrator()

    def get_image_source(self) -> ImageSource:
        return self.registry().image_source()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **fields: Any) -> "ProvidersResource":
        """Each secret bound as `dg.EnvVar` when its variable is set (and not empty), else left out."""
        env = os.environ if environ is None else environ
        secrets = {field: dg.EnvVar(var) for field, var in SECRET_ENV_VARS.items() if env.get(var)}
        return cls(secrets=secrets, **fields)

    def get_embedder(self) -> Embedder:
        return self.registry().embedder()


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
            raise dg.Failure(
                f"manifest {key} is missing or unreadable: materialise "
                f"{context.asset_key.to_user_string()} for this document first"
            )
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
        "providers": ProvidersResource.from_environment(database_url=database_url),
        "manifest_io": ManifestIOManager(bucket=bucket),
    }
