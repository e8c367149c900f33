"""What the daemon does, run in this process: one pass of the inbox sensor, the new documents' partitions added,
the video job for each document due, then one tick of the review sensor and the renders it asks for.

Registration goes through the real sensors and rendering through the real job on the real instance, so the
commands, the tests and the benchmarks exercise what `make dev` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from notes_pipeline.cli.environment import open_bucket, open_dagster_instance, open_state
from notes_pipeline.cli.outcomes import Outcome
from notes_pipeline.domain.models import VideoRender
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model

if TYPE_CHECKING:
    import dagster as dg

# Failures are summarised by the command itself; Dagster's own console log would repeat them with stack traces.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def finished_video(bucket: Bucket, doc_id: str) -> str | None:
    """Where the MP4 of the document's latest successful render is, if it is still in the bucket:
    a path on this machine for a local bucket, the object's URI on S3/R2."""
    render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    if render is None or bucket.stat(render.video_key) is None:
        return None
    local = bucket.local_path(render.video_key)
    return str(local) if local else bucket.uri(render.video_key)


def inbox_tick(
    instance: dg.DagsterInstance,
    resources: dict[str, Any],
    cursor: str | None = None,
) -> dg.SensorResult | dg.SkipReason:
    """One evaluation of the inbox sensor, then what the daemon does with its result: add the new partitions."""
    import dagster as dg

    from notes_pipeline.defs.ingest.sensors import inbox_sensor
    from notes_pipeline.defs.partitions import notes_documents

    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = inbox_sensor(context)
    if isinstance(result, dg.SensorResult):
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(notes_documents.name, list(request.partition_keys))
    return result


def review_tick(instance: dg.DagsterInstance, resources: dict[str, Any]) -> dg.SensorResult | dg.SkipReason:
    """One tick of the review sensor, its asset events stored as the daemon would store them."""
    import dagster as dg

    from notes_pipeline.defs.review.sensors import script_review_sensor

    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        result = script_review_sensor(context)
    if isinstance(result, dg.SensorResult):
        for event in result.asset_events or []:
            instance.report_runless_asset_event(event)
    return result


def process_inbox() -> list[Outcome]:
    """One pass of the inbox sensor, the video job for every document without a video, then the reviews."""
    import dagster as dg

    from notes_pipeline.defs.partitions import notes_documents
    from notes_pipeline.defs.resources import pipeline_resources

    instance = open_dagster_instance()
    close_dead_runs(instance)
    bucket = open_bucket()
    result = inbox_tick(instance, pipeline_resources(inbox_settle_s=0))
    if isinstance(result, dg.SkipReason):
        raise SystemExit(f"inbox: {result.skip_message}")

    wanted = [r.partition_key for r in result.run_requests or []]
    # Documents registered earlier that still have no video (e.g. a run that was interrupted).
    for doc_id in instance.get_dynamic_partitions(notes_documents.name):
        if doc_id not in wanted and finished_video(bucket, doc_id) is None and not _awaits_review(doc_id):
            wanted.append(doc_id)

    outcomes = render_documents(instance, bucket, sorted(wanted))
    return outcomes + process_reviews(instance)


def process_reviews(instance: dg.DagsterInstance | None = None) -> list[Outcome]:
    """One tick of the review sensor in this process, then each render it asks for (as the daemon would)."""
    import dagster as dg

    from notes_pipeline.defs.resources import pipeline_resources

    instance = instance or open_dagster_instance()
    result = review_tick(instance, pipeline_resources())
    if isinstance(result, dg.SkipReason):
        raise SystemExit(f"review: {result.skip_message}")
    return [execute_request(instance, request) for request in result.run_requests or []]


def render_documents(instance: dg.DagsterInstance, bucket: Bucket, doc_ids: Sequence[str]) -> list[Outcome]:
    """Run the video job here for each document without a video, except those whose recorded failure
    would repeat (nothing they depend on changed): those get a `skipped` line instead of a run."""
    from notes_pipeline.stages.failures import blocking_failure, skip_line

    state = open_state()
    outcomes = []
    for doc_id in doc_ids:
        done = finished_video(bucket, doc_id)
        if done is not None:
            outcomes.append(Outcome(doc_id, video=done))
            continue
        if (failure := blocking_failure(bucket, state, doc_id)) is not None:
            outcomes.append(Outcome(doc_id, skipped=skip_line(failure)))
            continue
        print(f"rendering {doc_id} ...", flush=True)
        run = _execute(instance, doc_id)
        if run.success and _awaits_review(doc_id):
            outcomes.append(Outcome(doc_id, waiting=True))
        elif run.success:
            outcomes.append(Outcome(doc_id, video=finished_video(bucket, doc_id), rendered=True))
        else:
            outcomes.append(Outcome(doc_id, error=failure_text(run)))
    return outcomes


def execute_request(
    instance: dg.DagsterInstance, request: dg.RunRequest, *, extra_config: dict[str, Any] | None = None
) -> Outcome:
    """Run one RunRequest of the notes_video job in this process."""
    doc_id = request.partition_key
    assert doc_id is not None  # the job is partitioned by document
    print(
        f"rendering {doc_id} (script version {request.tags.get('notes_pipeline/script_version', '?')}) ...", flush=True
    )
    run = _execute(
        instance, doc_id, asset_selection=request.asset_selection, tags=request.tags, extra_config=extra_config
    )
    if not run.success:
        return Outcome(doc_id, error=failure_text(run))
    return Outcome(doc_id, video=finished_video(open_bucket(), doc_id), rendered=True)


def _execute(
    instance: dg.DagsterInstance,
    doc_id: str,
    *,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    tags: dict[str, str] | None = None,
    extra_config: dict[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    return _video_job().execute_in_process(
        partition_key=doc_id,
        instance=instance,
        raise_on_error=False,
        asset_selection=asset_selection,
        run_config={**QUIET_RUN_CONFIG, **(extra_config or {})},
        tags=in_process_tags(tags),
    )


@cache
def _video_job() -> dg.JobDefinition:
    """Loading every definition takes seconds: only when a run is due."""
    from notes_pipeline.definitions import defs

    return defs.resolve_job_def("notes_video")


def in_process_tags(tags: dict[str, str] | None = None) -> dict[str, str]:
    """Tags of a run this process executes itself: its holder token lets any other process see
    that the run died with it (defs/ops/dead_runs.py), even between two stages."""
    from notes_pipeline.defs.ops.dead_runs import HOLDER_TAG

    return {**(tags or {}), "notes_pipeline/trigger": "cli", HOLDER_TAG: str(open_state().holder.token())}


def close_dead_runs(instance: dg.DagsterInstance) -> None:
    """Runs whose worker was killed mid-stage are marked failed before anything looks at them."""
    from notes_pipeline.defs.ops.dead_runs import fail_dead_runs

    fail_dead_runs(instance, open_state())


def _awaits_review(doc_id: str) -> bool:
    """Its latest script asks for review and no version was ever approved: nothing to render yet."""
    from notes_pipeline.store.reviews import ReviewStore

    reviews = ReviewStore(open_state().db)
    latest = reviews.latest(doc_id)
    return latest is not None and not latest.renderable and reviews.latest_approved(doc_id) is None


def failure_text(run: dg.ExecuteInProcessResult) -> str:
    """The description of the failed step (our Failure names document, stage and cause)."""
    for event in reversed(run.all_events):
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            if data.error:
                return data.error.message.strip().splitlines()[0]
    return "the run failed; see `make dev` for its log"
