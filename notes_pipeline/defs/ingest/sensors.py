"""The inbox sensor: each new notes file becomes a partition and one run, exactly once."""

import dagster as dg

from notes_pipeline.defs.media.assets import notes_video_job
from notes_pipeline.defs.ops.priority import document_tier, tier_tags
from notes_pipeline.defs.partitions import notes_documents
from notes_pipeline.defs.resources import BucketResource, DatabaseResource, PipelineSettings
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.stages.failures import code_version
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.db import DatabaseUnavailableError
from notes_pipeline.store.inbox_index import InboxIndex
from notes_pipeline.store.state import DocumentFailure


def run_key(doc_id: str, content_hash: str) -> str:
    """Run keys deduplicate for ever, so the content version is part of the key."""
    return f"{doc_id}:{content_hash}"


def _retry_request(
    context: dg.SensorEvaluationContext, store: Bucket, failure: DocumentFailure, settings: PipelineSettings
) -> dg.RunRequest:
    """One run per failure and code version (the run key says both), at the document's tier."""
    try:
        tier = document_tier(load_source_record(store, failure.project_id), settings.default_tier)
    except PipelineError as err:  # its run fails again and says so; the sensor carries on
        context.log.warning(f"{failure.project_id}: {err}")
        tier = settings.default_tier
    return dg.RunRequest(
        run_key=f"{run_key(failure.project_id, failure.content_hash)}:retry:{code_version()}",
        partition_key=failure.project_id,
        tags={"notes_pipeline/retry_of": failure.run_id or "", **tier_tags(tier)},
    )


# A note dropped just before a tick is waited for within the tick rather than left for the next one (~5 s later);
# capped so a long settle time never holds a sensor evaluation.
SETTLE_WAIT_S = 2.0


@dg.sensor(
    job=notes_video_job,
    minimum_interval_seconds=2,  # a tick lists one page of the inbox: cheap enough to keep a drop's wait short
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def inbox_sensor(
    context: dg.SensorEvaluationContext, bucket: BucketResource, settings: PipelineSettings, database: DatabaseResource
) -> dg.SensorResult | dg.SkipReason:
    """Registers new .md/.txt files in the bucket's inbox/ and requests a video for each, at the
    priority of the tier its front matter asks for (else the default tier).

    Each tick lists one capped page of the inbox after the cursor (a sweep position) and
    reads only objects the inbox index has not seen in that version, so a tick costs the
    same whether the inbox holds ten files or a hundred thousand.
    """
    cursor = InboxCursor.from_json(context.cursor)
    known = set(context.instance.get_dynamic_partitions(notes_documents.name))
    try:
        store = bucket.get()
        scan = scan_inbox(
            store,
            cursor,
            index=InboxIndex(database.get(), store.uri(keys.INBOX_PREFIX)),
            known_doc_ids=known,
            max_bytes=settings.max_notes_bytes,
            limit=settings.inbox_batch,
            list_limit=settings.inbox_list_limit,
            settle_s=settings.inbox_settle_s,
            settle_wait_s=SETTLE_WAIT_S,
            retry_skipped_s=settings.inbox_retry_skipped_s,
        )
        # A failed document runs again only under new code (a new file is a new document; a person uses `retry`).
        retries = [
            f for f in database.state().stale_failures(code_version(), settings.inbox_batch) if f.project_id in known
        ]
    except OSError as err:
        return dg.SkipReason(f"cannot list the inbox: {err}")
    except DatabaseUnavailableError as err:
        return dg.SkipReason(f"inbox not scanned: {err}")

    for key, reason in scan.skipped:
        context.log.warning(
            f"skipped {key}: {reason}. Fix the file (or its permissions) and save it again; "
            f"it is also tried again after {settings.inbox_retry_skipped_s:g} s."
        )
    for key, reason in scan.refused:
        context.log.warning(f"skipped {key}: {reason}. It is not looked at again until it changes.")
    for key, doc_id in scan.duplicates:
        context.log.info(f"{key} has the same content as document {doc_id}: nothing new to render")
    if scan.settling:
        context.log.info(
            f"{len(scan.settling)} file(s) changed in the last {settings.inbox_settle_s:g} s "
            f"(e.g. {scan.settling[0]}): looked at again on the next sweep"
        )
    if scan.capped:
        context.log.info(f"more than {settings.inbox_batch} new files: the rest follow on the next ticks")
    new = [r for r in scan.registered if r.doc_id not in known]
    for record in new:
        context.log.info(f"registered {record.source_key} as document {record.doc_id}")
        if record.front_matter:
            context.log.info(
                f"{record.source_key}: front matter kept as data, not options: {', '.join(record.front_matter)}"
            )
        if record.problem:
            context.log.warning(
                f"{record.source_key} (document {record.doc_id}) cannot be rendered: "
                f"{record.problem}; its run stops at video_script"
            )
    for failure in retries:
        context.log.info(
            f"trying {failure.project_id} again under new code: it failed at {failure.stage} "
            f"under {failure.code_version}"
        )
    context.log.debug(
        f"inbox sweep {scan.cursor.sweeps}: listed {scan.listed}, {scan.unchanged} already seen, "
        f"next after {scan.cursor.start_after or '(start)'}"
    )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key(r.doc_id, r.content_hash),
                partition_key=r.doc_id,
                tags={"notes_pipeline/source": r.source_key, **tier_tags(document_tier(r, settings.default_tier))},
            )
            for r in new
        ]
        + [_retry_request(context, store, failure, settings) for failure in retries],
        dynamic_partitions_requests=[notes_documents.build_add_request([r.doc_id for r in new])] if new else [],
        cursor=scan.cursor.to_json(),
    )
