"""A nightly job that deletes what garbage collection finds (the CLI's `gc` is the dry-run view)."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from notes_pipeline.defs.resources import BucketResource, DatabaseResource, PipelineSettings
from notes_pipeline.stages.gc import collect_garbage


@dg.op
def delete_garbage(
    context: dg.OpExecutionContext, bucket: BucketResource, database: DatabaseResource, settings: PipelineSettings
) -> None:
    """Delete artefacts of failed/abandoned projects and unused cache entries past the retention period."""
    report = collect_garbage(
        bucket.get(),
        database.state(),
        now=datetime.now(UTC),
        retention=timedelta(days=settings.gc_retention_days),
        dry_run=False,
    )
    for line in report.lines():
        context.log.info(f"deleted {line}")
    context.log.info(report.summary())


@dg.job(description="Delete objects nobody will read again (see `notes-pipeline gc`).")
def garbage_collection() -> None:
    delete_garbage()


gc_schedule = dg.ScheduleDefinition(
    job=garbage_collection,
    cron_schedule="30 3 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
