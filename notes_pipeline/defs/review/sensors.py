"""The review sensor: edited scripts become versions, and versions that may be rendered get one run each."""

import json

import dagster as dg

from notes_pipeline.defs.media.assets import final_video, notes_video_job, scene_images, scene_narration, video_script
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import BucketResource, DatabaseResource
from notes_pipeline.defs.review.assets import approved_script
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.stages.review import notice_edit
from notes_pipeline.store.reviews import ReviewStore, ScriptVersion

# Downstream of the script only: an edit never runs the script writer again.
RENDER_ASSETS = [approved_script.key, scene_narration.key, scene_images.key, final_video.key]
REVIEW_BATCH = 100


def render_run_key(version: ScriptVersion) -> str:
    return f"{version.project_id}:script-v{version.version}:{version.content_hash[:16]}"


def render_request(version: ScriptVersion) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=render_run_key(version),
        partition_key=version.project_id,
        asset_selection=RENDER_ASSETS,
        tags={"notes_pipeline/trigger": "review", "notes_pipeline/script_version": str(version.version)},
    )


def version_event(version: ScriptVersion, uri: str) -> dg.AssetMaterialization:
    """An edit made outside a run is still a new value of video_script: the UI shows it in the asset's history."""
    return dg.AssetMaterialization(
        asset_key=video_script.key,
        partition=version.project_id,
        description=f"script version {version.version} ({version.origin}): {version.summary}",
        metadata={
            "version": version.version,
            "origin": version.origin,
            "changes": version.summary,
            "script_sha256": version.content_hash,
            "dagster/uri": uri,
            "review": "waiting for approval" if not version.renderable else "rendering",
        },
    )


@dg.sensor(job=notes_video_job, minimum_interval_seconds=10, default_status=dg.DefaultSensorStatus.RUNNING)
def script_review_sensor(
    context: dg.SensorEvaluationContext, bucket: BucketResource, database: DatabaseResource
) -> dg.SensorResult | dg.SkipReason:
    """Takes in hand edits of projects/<doc>/script.json, announces new versions, and renders each version
    that may be rendered (approved, or no review asked for) once, downstream of the script only."""
    cursor = json.loads(context.cursor) if context.cursor else {}
    after = str(cursor.get("watch_after", ""))
    store = bucket.get()
    try:
        reviews = ReviewStore(database.get())
        watched = reviews.watch_candidates(after, REVIEW_BATCH)
        for candidate in watched:
            try:
                notice = notice_edit(store, reviews, candidate.project_id)
            except (PipelineError, OSError) as err:  # one unreadable project never stops the others
                context.log.warning(f"{candidate.project_id}: cannot check its script: {err}")
                continue
            if notice.new_problem:
                context.log.warning(notice.problem)
            if notice.version is not None:
                context.log.info(
                    f"{candidate.project_id}: script version {notice.version.version} from a hand edit: "
                    f"{notice.version.summary}"
                )
        known = set(context.instance.get_dynamic_partitions(notes_documents.name))
        # Claimed last: nothing after these two calls can fail and lose what they claimed.
        published = reviews.claim_publications(REVIEW_BATCH)
        renders = reviews.claim_renders(REVIEW_BATCH)
    except PipelineError as err:
        return dg.SkipReason(f"the product database is not available: {err}")
    next_after = watched[-1].project_id if len(watched) == REVIEW_BATCH else ""
    return dg.SensorResult(
        asset_events=[version_event(v, store.uri(v.object_key)) for v in published if v.project_id in known],
        run_requests=[render_request(v) for v in renders if v.project_id in known],
        cursor=json.dumps({"watch_after": next_after}),
    )
