"""The approval gate: the script version a render may use, in the language and format the run asks for.

Between `video_script` and the media assets. For a document with `review: true` and no
approved version it materialises nothing (its output is optional): narration, images and
video are skipped, the run still succeeds, and the UI shows the script waiting for
review. A render variant (another language, format, resolution or voice) is this asset's
run config, on the same partition: `notes-pipeline render` sets it, the launchpad shows it.
"""

from enum import Enum
from typing import Any, get_args

import dagster as dg
from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from notes_pipeline.defs.errors import stage_failure
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.queues import PROVIDERS
from notes_pipeline.defs.resources import BucketResource, DatabaseResource, ProvidersResource
from notes_pipeline.domain.models import ScriptManifest
from notes_pipeline.domain.variants import RenderVariant
from notes_pipeline.stages.review import review_gate
from notes_pipeline.stages.script import load_script, script_markdown
from notes_pipeline.stages.variants import apply_variant
from notes_pipeline.store.reviews import ReviewStore

STAGE = "approved_script"


class _VariantConfig(dg.Config):
    def variant(self) -> RenderVariant:
        return RenderVariant.model_validate(self.model_dump())


def _config_field(field: FieldInfo) -> tuple[Any, FieldInfo]:
    """A RenderVariant field as run config: optional, an enum given by its value ('9:16'); checked by RenderVariant."""
    (kind,) = [t for t in get_args(field.annotation) if t is not type(None)]
    return (str if issubclass(kind, Enum) else kind) | None, Field(None, description=field.description)


RenderVariantConfig = create_model(
    "RenderVariantConfig",
    __base__=_VariantConfig,
    __module__=__name__,
    __doc__="Another render of the approved script; fields left empty keep the document's own options.",
    **{name: _config_field(field) for name, field in RenderVariant.model_fields.items()},
)


def approve_hint(doc_id: str) -> str:
    return f"read it with `notes-pipeline script {doc_id}`, edit scenes, then `notes-pipeline approve {doc_id}`"


@dg.asset(
    partitions_def=notes_documents,
    group_name="video",
    io_manager_key="manifest_io",
    kinds={"python"},
    output_required=False,
    op_tags=PROVIDERS,
)
def approved_script(
    context: dg.AssetExecutionContext,
    config: RenderVariantConfig,
    video_script: ScriptManifest,
    bucket: BucketResource,
    database: DatabaseResource,
    providers: ProvidersResource,
):
    """The script version cleared for rendering (with `review: true`, the latest one a person approved), in the
    run's render variant; nothing while a review is pending, so the media wait without failing."""
    doc_id, store = context.partition_key, bucket.get()
    with stage_failure(doc_id, STAGE):
        state = database.state()
        gate = review_gate(store, state, ReviewStore(state.db), video_script)
        if gate.waiting:
            message = f"version {gate.latest.version} waits for review: {approve_hint(doc_id)}"
            context.log.info(message)
            context.log_event(
                dg.AssetObservation(
                    asset_key=context.asset_key,
                    partition=doc_id,
                    metadata={"review": "waiting", "version": gate.latest.version, "next": message},
                )
            )
            return
        try:
            variant = config.variant()
        except ValueError as err:
            raise dg.Failure(
                f"document '{doc_id}' at stage '{STAGE}': the render variant is not valid: {err}", allow_retries=False
            ) from None
        rendered = apply_variant(store, gate.manifest, variant, writer=providers.get_script_writer())
        script = load_script(store, rendered.manifest)
        if rendered.manifest.variant:
            state.sync_scenes(doc_id, script)
    for note in rendered.notes:
        context.log.warning(note)
    assert gate.chosen is not None
    yield dg.Output(
        rendered.manifest,
        metadata={
            "version": gate.chosen.version,
            "latest_version": gate.latest.version,
            "review": "approved" if gate.chosen.approved else "not required",
            "approved_by": gate.chosen.approved_by or "",
            "variant": rendered.manifest.variant or "",
            "language": rendered.manifest.language,
            "translated": "" if rendered.translated is None else str(rendered.translated).lower(),
            "notes": "; ".join(rendered.notes),
            "preview": dg.MetadataValue.md(script_markdown(script)),
        },
    )


def variant_run_config(variant: RenderVariant) -> dict[str, Any]:
    """The run config that renders `variant` (`notes-pipeline render` sets it, the launchpad shows it)."""
    return {"ops": {approved_script.op.name: {"config": variant.overrides()}}}
