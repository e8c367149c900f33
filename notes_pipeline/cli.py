"""`notes-pipeline`: drop notes in, run the pipeline in-process, find the videos.

The commands drive the same Dagster definitions the UI shows (same instance in
DAGSTER_HOME, same job, same sensor code), so a video made here appears in `make dev`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from notes_pipeline.domain.documents import content_hash, document_id, is_notes_file
from notes_pipeline.domain.models import SourceRecord, VideoRender
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples" / "notes"
# Failures are summarised by this command itself; Dagster's own console log would repeat them with stack traces.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class Outcome:
    doc_id: str
    video: Path | None = None
    error: str | None = None
    rendered: bool = False


def _bucket() -> Bucket:
    from notes_pipeline.defs.resources import BucketResource

    return BucketResource().get()


def _instance():  # -> dg.DagsterInstance, imported lazily: `--help` should not load Dagster
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(Path(".dagster").resolve())
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():  # `make` copies the project's; outside make, at least stay offline
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.get()


def finished_video(bucket: Bucket, doc_id: str) -> Path | None:
    """The MP4 of the document's latest successful render, if it is still in the bucket."""
    render = load_model(bucket, keys.manifest(doc_id, "final_video"), VideoRender)
    if render is None or bucket.stat(render.video_key) is None:
        return None
    return bucket.local_path(render.video_key)


def submit(paths: Sequence[Path], bucket: Bucket) -> list[str]:
    """Copy notes into the inbox; a file already there with the same bytes is left untouched."""
    submitted = []
    for path in paths:
        if not is_notes_file(path.name):
            raise SystemExit(f"{path}: only .md, .markdown and .txt notes are accepted")
        key = keys.INBOX_PREFIX + path.name
        data = path.read_bytes()
        if bucket.stat(key) is None or bucket.get_bytes(key) != data:
            bucket.put_bytes(key, data)
        submitted.append(key)
    return submitted


def process_inbox() -> list[Outcome]:
    """One pass of the inbox sensor, then the video job for every document without a video.

    This is what the daemon does in `make dev`, run in this process: registration goes
    through the real sensor and rendering through the real job on the real instance.
    """
    import dagster as dg

    from notes_pipeline.definitions import defs
    from notes_pipeline.defs.ingest.sensors import inbox_sensor
    from notes_pipeline.defs.partitions import notes_documents
    from notes_pipeline.defs.resources import pipeline_resources

    instance = _instance()
    bucket = _bucket()
    with dg.build_sensor_context(instance=instance, resources=pipeline_resources(inbox_settle_s=0)) as context:
        result = inbox_sensor(context)
    if isinstance(result, dg.SkipReason):
        raise SystemExit(f"inbox: {result.skip_message}")
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(notes_documents.name, list(request.partition_keys))

    wanted = [r.partition_key for r in result.run_requests or []]
    # Documents registered earlier that still have no video (e.g. a run that was interrupted).
    for doc_id in instance.get_dynamic_partitions(notes_documents.name):
        if doc_id not in wanted and finished_video(bucket, doc_id) is None:
            wanted.append(doc_id)

    job = defs.resolve_job_def("notes_video")
    outcomes = []
    for doc_id in sorted(wanted):
        done = finished_video(bucket, doc_id)
        if done is not None:
            outcomes.append(Outcome(doc_id, video=done))
            continue
        print(f"rendering {doc_id} ...", flush=True)
        run = job.execute_in_process(
            partition_key=doc_id, instance=instance, raise_on_error=False,
            run_config=QUIET_RUN_CONFIG, tags={"notes_pipeline/trigger": "cli"},
        )
        if run.success:
            outcomes.append(Outcome(doc_id, video=finished_video(bucket, doc_id), rendered=True))
        else:
            outcomes.append(Outcome(doc_id, error=_failure_text(run)))
    return outcomes


def _failure_text(run) -> str:  # run: dg.ExecuteInProcessResult
    """The description of the failed step (our Failure names document, stage and cause)."""
    for event in reversed(run.all_events):
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            if data.error:
                return data.error.message.strip().splitlines()[0]
    return "the run failed; see `make dev` for its log"


def _report(outcomes: list[Outcome]) -> int:
    """Failures first, then every video path; the last line is the first document's video."""
    for o in outcomes:
        if o.error or o.video is None:
            print(f"FAILED {o.doc_id}: {o.error or 'no video was made'}", file=sys.stderr)
    videos = [o for o in outcomes if o.video]
    for o in videos[1:]:
        print(f"{'rendered' if o.rendered else 'up to date'}: {o.video}")
    if videos:
        print(videos[0].video)
    elif not outcomes:
        print("the inbox has no new notes")
    return 1 if any(o.error or o.video is None for o in outcomes) else 0


def cmd_demo(args: argparse.Namespace) -> int:
    examples = sorted(p for p in Path(args.examples).iterdir() if is_notes_file(p.name))
    if not examples:
        raise SystemExit(f"no example notes in {args.examples}")
    bucket = _bucket()
    submit(examples, bucket)
    print(f"inbox: {len(examples)} example notes in {bucket.local_path(keys.INBOX_PREFIX)}")
    processed = {o.doc_id: o for o in process_inbox()}
    # Report every example in order, rendered now or earlier, so the last line is the first one's video.
    doc_ids = [document_id(p.name, content_hash(p.read_bytes())) for p in examples]
    return _report([processed.get(d) or Outcome(d, video=finished_video(bucket, d)) for d in doc_ids])


def cmd_submit(args: argparse.Namespace) -> int:
    for key in submit([Path(p) for p in args.files], _bucket()):
        print(f"queued {key}")
    return _report(process_inbox()) if args.run else 0


def cmd_run(args: argparse.Namespace) -> int:
    return _report(process_inbox())


def cmd_list(args: argparse.Namespace) -> int:
    bucket = _bucket()
    records = [r for o in bucket.list(keys.PROJECTS_PREFIX) if o.key.endswith("/source.json")
               if (r := load_model(bucket, o.key, SourceRecord)) is not None]
    if not records:
        print("no documents yet: drop notes into", bucket.local_path(keys.INBOX_PREFIX))
    for record in sorted(records, key=lambda r: r.registered_at):
        video = finished_video(bucket, record.doc_id)
        print(f"{record.doc_id}\t{record.source_name}\t{video or '(no video yet)'}")
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    video = finished_video(_bucket(), args.doc_id)
    if video is None:
        raise SystemExit(f"{args.doc_id}: no finished video (see `notes-pipeline list`)")
    dest = Path(args.to) if args.to else Path.cwd() / f"{args.doc_id}.mp4"
    shutil.copyfile(video, dest)
    print(dest.resolve())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Build the dbt reports on the pipeline's database and write the dashboard; print where it is."""
    from notes_pipeline.domain.errors import PipelineError
    from notes_pipeline.reporting.dashboard import DASHBOARD_KEY, publish_dashboard, write_dashboard
    from notes_pipeline.reporting.dbt import run_dbt
    from notes_pipeline.store.db import resolve_url

    try:
        url = resolve_url()
        if not args.no_build:
            print("building the reports (dbt build) ...", file=sys.stderr, flush=True)
            run_dbt(["build"], url)
        if args.out:
            write_dashboard(url, Path(args.out))
            print(Path(args.out).resolve())
        else:
            bucket = _bucket()
            _, uri = publish_dashboard(url, bucket)
            print(bucket.local_path(DASHBOARD_KEY) or uri)
    except PipelineError as err:
        raise SystemExit(f"report: {err}") from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="dagster")
    parser = argparse.ArgumentParser(prog="notes-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="render the bundled example notes, offline")
    demo.add_argument("--examples", default=str(EXAMPLES_DIR), help="folder of example notes")
    demo.set_defaults(func=cmd_demo)
    submit_p = sub.add_parser("submit", help="copy notes into the inbox")
    submit_p.add_argument("files", nargs="+")
    submit_p.add_argument("--run", action="store_true", help="render them now, in this process")
    submit_p.set_defaults(func=cmd_submit)
    sub.add_parser("run", help="register new inbox notes and render them, in this process").set_defaults(func=cmd_run)
    sub.add_parser("list", help="documents and their videos").set_defaults(func=cmd_list)
    download = sub.add_parser("download", help="copy a document's video here")
    download.add_argument("doc_id")
    download.add_argument("--to", help="destination file")
    download.set_defaults(func=cmd_download)
    report = sub.add_parser("report", help="build the dbt reports and write the HTML dashboard")
    report.add_argument("--out", help="write the dashboard here instead of the bucket's reports/dashboard.html")
    report.add_argument("--no-build", action="store_true", help="render from the reports as last built")
    report.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
