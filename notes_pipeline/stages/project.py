"""Project-level steps with their database record: a stage's run, the script, the finished video.

The per-scene stages record their own scenes through a SceneTracker; these functions do
the same for the work that belongs to the whole project, so that every stage of every
project leaves a row in `stage_runs` and every artefact one in `assets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from notes_pipeline.domain.models import ImagesManifest, NarrationManifest, Script, ScriptManifest, VideoRender
from notes_pipeline.providers.audit.base import WorkflowEvents
from notes_pipeline.providers.embeddings.base import Embedder
from notes_pipeline.providers.llm.base import ScriptWriter
from notes_pipeline.stages.failures import record_stage_failure
from notes_pipeline.stages.reuse import ReusedScript, copy_render, find_reusable_script
from notes_pipeline.stages.script import load_document, load_source_record, write_script
from notes_pipeline.stages.video import render_id_for, render_video
from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.state import AssetRecord, SemanticMatch, StateStore


@contextmanager
def project_stage(
    bucket: Bucket,
    state: StateStore,
    doc_id: str,
    stage: str,
    *,
    run_id: str | None,
    events: WorkflowEvents | None = None,
) -> Iterator[None]:
    """The project is registered and running while the stage runs; an error marks it failed and is
    recorded with the inputs it depended on (so `run` does not retry it blindly); a success of the
    stage forgets that stage's earlier failure.

    `events` (optional) publishes the stage's start and end to the audit trail and its copies."""
    state.register_project(load_source_record(bucket, doc_id))
    state.set_status(doc_id, "running")
    if events is not None:
        events.stage_started(stage)
    try:
        with state.stage(doc_id, stage, run_id):
            yield
    except Exception as err:
        state.set_status(doc_id, "failed", error=err)
        record_stage_failure(bucket, state, doc_id, stage, err, run_id)
        if events is not None:
            events.stage_finished(stage, err)
        raise
    state.clear_failure(doc_id, stage)
    if events is not None:
        events.stage_finished(stage)


def script_stage(
    bucket: Bucket,
    state: StateStore,
    doc_id: str,
    writer: ScriptWriter,
    embedder: Embedder,
    *,
    max_bytes: int,
    semantic_threshold: float,
    run_id: str | None = None,
) -> tuple[ScriptManifest, Script, SemanticMatch | None]:
    """Write (or reuse) the script, then make the scene rows match it.

    The notes are parsed once here; a semantic reuse is carried in the manifest (`reused_from`) for
    final_video, and recorded in the database for reporting only."""
    document = load_document(bucket, doc_id, max_bytes=max_bytes)
    state.set_request(doc_id, document.options, prompt_text=document.text)
    reusable = find_reusable_script(bucket, state, embedder, document, threshold=semantic_threshold)
    manifest, script = write_script(bucket, document, ReusedScript(reusable[0]) if reusable else writer)
    match = reusable[1] if reusable else None
    if match is not None:
        manifest = manifest.model_copy(update={"reused_from": match.project_id})
        state.set_status(doc_id, "running", reused_from=match.project_id)
    state.sync_scenes(doc_id, script)
    state.record_asset(
        AssetRecord(
            project_id=doc_id,
            asset_type="script",
            object_key=manifest.script_key,
            content_hash=manifest.script_hash,
            provider=script.writer,
            cache_hit="semantic" if match else "none",
            run_id=run_id,
        )
    )
    return manifest, script, match


def video_stage(
    bucket: Bucket,
    state: StateStore,
    manifest: ScriptManifest,
    script: Script,
    narration: NarrationManifest,
    images: ImagesManifest,
    *,
    scratch_root: Path | None = None,
    run_id: str | None = None,
) -> VideoRender:
    """Copy the render of a semantically reused project (the manifest's `reused_from`) when it matches
    exactly, else render; record it. `script` is the manifest's script, loaded once by the caller."""
    doc_id = manifest.doc_id
    reused_from = manifest.reused_from
    render = None
    if reused_from:
        render = copy_render(
            bucket, reused_from, doc_id, render_id_for(manifest, narration, images), scratch_root=scratch_root
        )
    if render is None:
        render = render_video(
            bucket,
            manifest,
            script,
            narration,
            images,
            scratch_root=scratch_root,
            exclusive=lambda render_id: state.db.advisory_lock(f"render:{doc_id}:{render_id}"),
        )
    hit = "semantic" if reused_from and render.reused else "exact" if render.reused else "none"
    files = [
        ("video", render.video_key),
        ("subtitles", render.srt_key),
        ("subtitles", render.vtt_key),
        ("thumbnail", render.thumbnail_key),
    ]
    with state.db.transaction() as conn:
        for asset_type, key in files:
            info = bucket.stat(key)
            state.record_asset(
                AssetRecord(
                    project_id=doc_id,
                    asset_type=asset_type,
                    object_key=key,
                    content_hash=render.render_id,
                    bytes=info.size if info else None,
                    provider="ffmpeg",
                    cache_hit=hit,
                    run_id=run_id,
                    duration_ms=round(render.duration_s * 1000) if asset_type == "video" else None,
                    provider_latency_ms=None if render.reused else round(render.render_s * 1000),
                ),
                conn,
            )
    state.set_status(doc_id, "done", final_video_key=render.video_key)
    return render
