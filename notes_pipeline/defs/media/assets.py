"""The four media assets of one notes document. Thin: each calls its stage in notes_pipeline.stages.

No asset has a RetryPolicy: a provider call is retried by the HTTP policy alone (providers/http/),
a failing scene degrades through its provider chain, and a crashed run is retried by the instance's
crash-only `run_retries` (dagster.yaml). A RetryPolicy here would re-run every failed call again.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from notes_pipeline.defs.errors import stage_failure
from notes_pipeline.defs.media.publishing import published_video
from notes_pipeline.defs.ops.audit import scene_tracker, workflow_events
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.queues import PROVIDERS, RENDER
from notes_pipeline.defs.resources import BucketResource, DatabaseResource, PipelineSettings, ProvidersResource
from notes_pipeline.defs.review.assets import approved_script
from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, ScriptManifest, VideoRender
from notes_pipeline.providers.config import load_config
from notes_pipeline.providers.images.user import UserImages
from notes_pipeline.providers.registry import narration_kinds
from notes_pipeline.stages.candidates import candidates_markdown
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.project import project_stage, script_stage, video_stage
from notes_pipeline.stages.review import record_written
from notes_pipeline.stages.script import attempts_markdown, load_script, script_markdown
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import load_model
from notes_pipeline.store.reviews import ReviewStore
from notes_pipeline.store.state import StateStore

_common = dict(partitions_def=notes_documents, group_name="video", io_manager_key="manifest_io")


@contextmanager
def _stage(
    context: dg.AssetExecutionContext,
    bucket: BucketResource,
    database: DatabaseResource,
    stage: str,
    providers: ProvidersResource | None = None,
) -> Iterator[StateStore]:
    """A failure names document, stage and cause, and the stage is recorded in the product database
    and published to the audit trail (and its webhook/sheet copies when configured)."""
    doc_id = context.partition_key
    with stage_failure(doc_id, stage):
        state = database.state()
        with project_stage(
            bucket.get(),
            state,
            doc_id,
            stage,
            run_id=context.run.run_id,
            events=workflow_events(context, state, providers),
        ):
            yield state


@dg.asset(kinds={"python"}, pool="script_writer", op_tags=PROVIDERS, **_common)
def video_script(
    context: dg.AssetExecutionContext,
    bucket: BucketResource,
    database: DatabaseResource,
    providers: ProvidersResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult[ScriptManifest]:
    """The notes as a script: title, objectives and 3-15 scenes of narration, heading and bullets."""
    doc_id = context.partition_key
    with _stage(context, bucket, database, "video_script", providers) as state:
        manifest, script, match = script_stage(
            bucket.get(),
            state,
            doc_id,
            providers.get_script_writer(),
            providers.get_embedder(),
            max_bytes=settings.max_notes_bytes,
            semantic_threshold=settings.semantic_cache_threshold,
            run_id=context.run.run_id,
        )
        version, manifest = record_written(bucket.get(), ReviewStore(state.db), manifest, script)
    if match is not None:
        context.log.info(f"reusing the script of {match.project_id} (similarity {match.similarity:.3f})")
    return dg.MaterializeResult(
        value=manifest,
        metadata={
            "reused_from": manifest.reused_from or "",
            "title": script.title,
            "scene_count": manifest.scene_count,
            "word_count": manifest.word_count,
            "language": manifest.language,
            "writer": manifest.writer,
            "version": version.version,
            "writer_attempts": dg.MetadataValue.md(attempts_markdown(manifest.attempts)),
            "dagster/uri": bucket.get().uri(manifest.script_key),
            "preview": dg.MetadataValue.md(script_markdown(script)),
        },
    )


@dg.asset(kinds=narration_kinds(), pool="tts", op_tags=PROVIDERS, **_common)
def scene_narration(
    context: dg.AssetExecutionContext,
    approved_script: ScriptManifest,
    bucket: BucketResource,
    database: DatabaseResource,
    providers: ProvidersResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult[NarrationManifest]:
    """One voice-over clip per scene with word timings; unchanged scenes keep their clip."""
    doc_id, store = context.partition_key, bucket.get()
    total = approved_script.scene_count
    with _stage(context, bucket, database, "scene_narration", providers) as state:
        manifest = narrate_script(
            store,
            approved_script,
            providers.get_narrator(),
            previous=load_model(store, keys.manifest(doc_id, "scene_narration"), NarrationManifest),
            workers=settings.scene_workers,
            on_scene=lambda scene, clip: context.log.info(
                f"scene {scene.index}/{total} narrated: {clip.duration_s:.2f}s"
                + (" (reused)" if clip.reused else f" in {clip.latency_s:.2f}s")
            ),
            tracker=scene_tracker(context, state, "audio", providers),
        )
    rows = "\n".join(
        f"| {c.scene_index} | {c.duration_s:.2f} | {c.provider}:{c.voice} | {'yes' if c.reused else 'no'} |"
        for c in manifest.clips
    )
    return dg.MaterializeResult(
        value=manifest,
        metadata={
            "total_duration_s": round(manifest.total_duration_s, 3),
            "scene_count": len(manifest.clips),
            "reused_clips": sum(c.reused for c in manifest.clips),
            "providers": ", ".join(sorted({c.provider for c in manifest.clips})),
            "fallback_clips": sum(bool(c.fallbacks) for c in manifest.clips),
            "clips": dg.MetadataValue.md("| scene | seconds | voice | reused |\n|---|---|---|---|\n" + rows),
        },
    )


@dg.asset(kinds={"pillow"}, pool="images", op_tags=PROVIDERS, **_common)
def scene_images(
    context: dg.AssetExecutionContext,
    approved_script: ScriptManifest,
    bucket: BucketResource,
    database: DatabaseResource,
    providers: ProvidersResource,
    settings: PipelineSettings,
) -> dg.MaterializeResult[ImagesManifest]:
    """One picture per scene, every one in the video's locked style and frame size."""
    doc_id, store = context.partition_key, bucket.get()
    total = approved_script.scene_count
    with _stage(context, bucket, database, "scene_images", providers) as state:
        manifest = make_images(
            store,
            approved_script,
            UserImages(providers.get_image_source(), store.get_bytes),
            previous=load_model(store, keys.manifest(doc_id, "scene_images"), ImagesManifest),
            workers=settings.scene_workers,
            on_scene=lambda scene, image: context.log.info(
                f"scene {scene.index}/{total} image by {image.provider}"
                + (" (reused)" if image.reused else "")
                + (f"; the notes' figure was not shown: {image.figure_problem}" if image.figure_problem else "")
            ),
            tracker=scene_tracker(context, state, "image", providers),
            review_candidates=load_config(providers.config_path or None).images.stock.candidates,
        )
    image_rows = "\n".join(
        f"| {i.scene_index} | {i.provider} | {i.attempts} | {', '.join(i.fallbacks) or '-'} | {i.latency_s:.2f} | "
        f"{'yes' if i.reused else 'no'} | {(i.attribution or '-').replace('|', '/')} |"
        for i in manifest.images
    )
    return dg.MaterializeResult(
        value=manifest,
        metadata={
            "scene_count": len(manifest.images),
            "reused_images": sum(i.reused for i in manifest.images),
            "providers": ", ".join(sorted({i.provider for i in manifest.images})),
            "fallback_images": sum(bool(i.fallbacks) for i in manifest.images),
            "pictures_beyond_text_cards": sum(i.visual_kind != "card" for i in manifest.images),
            "provider_calls": sum(i.attempts for i in manifest.images if not i.reused),
            "images": dg.MetadataValue.md(
                "| scene | provider | calls | fell back from | seconds | reused | source |\n"
                "|---|---|---|---|---|---|---|\n" + image_rows
            ),
            "frame_size": f"{manifest.style.width}x{manifest.style.height}",
            "palette": ", ".join(manifest.style.palette.model_dump().values()),
            **({"candidates": dg.MetadataValue.md(table)} if (table := candidates_markdown(manifest.images)) else {}),
        },
    )


@dg.asset(kinds={"ffmpeg"}, pool="render", op_tags=RENDER, **_common)
def final_video(
    context: dg.AssetExecutionContext,
    approved_script: ScriptManifest,
    scene_narration: NarrationManifest,
    scene_images: ImagesManifest,
    bucket: BucketResource,
    database: DatabaseResource,
    settings: PipelineSettings,
    providers: ProvidersResource,
) -> dg.MaterializeResult[VideoRender]:
    """The finished MP4 with burned-in subtitles, sidecar SRT/VTT, thumbnail and provenance."""
    store = bucket.get()
    with _stage(context, bucket, database, "final_video", providers) as state:
        script = load_script(store, approved_script)  # once: the render and the metadata share it
        render = video_stage(
            store,
            state,
            approved_script,
            script,
            scene_narration,
            scene_images,
            scratch_root=settings.scratch_root(),
            run_id=context.run.run_id,
        )
    path = store.local_path(render.video_key)
    return dg.MaterializeResult(
        value=render,
        metadata={
            "title": script.title,
            "path": dg.MetadataValue.path(str(path) if path else render.video_key),
            "dagster/uri": store.uri(render.video_key),
            "render_id": render.render_id,
            "duration_s": render.duration_s,
            "frame_size": f"{render.width}x{render.height}@{render.fps}",
            "bytes": render.bytes,
            "render_s": render.render_s,
            "realtime_factor": round(render.duration_s / render.render_s, 1) if render.render_s else 0.0,
            "reused": render.reused,
            "script_version": approved_script.version or 0,
            "variant": approved_script.variant or "",
            "degraded": render.degraded,
            "fallback_reason": render.fallback_reason or "",
        },
    )


media_assets = [video_script, approved_script, scene_narration, scene_images, final_video, published_video]

notes_video_job = dg.define_asset_job(
    "notes_video",
    selection=dg.AssetSelection.assets(*media_assets),
    description="Notes to narrated video for one document.",
)
