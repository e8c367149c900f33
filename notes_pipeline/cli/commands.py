"""The commands of `notes-pipeline` that drop notes in, run the pipeline in-process and find the videos.

They drive the same Dagster definitions the UI shows (same instance in DAGSTER_HOME, same job,
same sensor code), so a video made here appears in `make dev`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from notes_pipeline.cli.environment import open_bucket, open_dagster_instance, open_state
from notes_pipeline.cli.outcomes import Outcome, report_outcomes
from notes_pipeline.cli.runner import close_dead_runs, finished_video, process_inbox, render_documents
from notes_pipeline.domain.documents import content_hash, document_id, is_notes_file
from notes_pipeline.domain.models import SourceRecord
from notes_pipeline.package_files import examples_dir, workspace_file
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model
from notes_pipeline.store.db import DATABASE_URL_ENV, mask_url, resolve_url

EXAMPLES_DIR = examples_dir()


def submit(paths: Sequence[Path], bucket: Bucket) -> list[str]:
    """Copy notes into the inbox; a file already there with the same bytes is left untouched.

    Returns each file's document id: the inbox sensor names the document by file name and content."""
    submitted = []
    for path in paths:
        if not is_notes_file(path.name):
            raise SystemExit(f"{path}: only .md, .markdown and .txt notes (or a .prompt request) are accepted")
        key = keys.INBOX_PREFIX + path.name
        data = path.read_bytes()
        if bucket.stat(key) is None or bucket.get_bytes(key) != data:
            bucket.put_bytes(key, data)
        submitted.append(document_id(path.name, content_hash(data)))
    return submitted


def cmd_demo(args: argparse.Namespace) -> int:
    examples = sorted(p for p in Path(args.examples).iterdir() if is_notes_file(p.name))
    if not examples:
        raise SystemExit(f"no example notes in {args.examples}")
    bucket = open_bucket()
    submit(examples, bucket)
    print(f"inbox: {len(examples)} example notes in {bucket.local_path(keys.INBOX_PREFIX)}")
    processed = {o.doc_id: o for o in process_inbox()}
    # Report every example in order, rendered now or earlier, so the last line is the first one's video.
    doc_ids = [document_id(p.name, content_hash(p.read_bytes())) for p in examples]
    return report_outcomes([processed.get(d) or Outcome(d, video=finished_video(bucket, d)) for d in doc_ids])


def cmd_submit(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.files]
    for doc_id, path in zip(submit(paths, open_bucket()), paths, strict=True):
        print(f"{doc_id}  {path}")
    return report_outcomes(process_inbox()) if args.run else 0


def cmd_run(args: argparse.Namespace) -> int:
    return report_outcomes(process_inbox())


def cmd_list(args: argparse.Namespace) -> int:
    if args.doc_id:
        return list_renders_of(args.doc_id)
    bucket = open_bucket()
    records = [
        r
        for o in bucket.list(keys.PROJECTS_PREFIX)
        if o.key.endswith("/source.json")
        if (r := load_model(bucket, o.key, SourceRecord)) is not None
    ]
    if not records:
        inbox = bucket.local_path(keys.INBOX_PREFIX) or bucket.uri(keys.INBOX_PREFIX)
        print("no documents yet: drop notes into", inbox)
    state = open_state() if records else None
    for record in sorted(records, key=lambda r: r.registered_at):
        video = finished_video(bucket, record.doc_id)
        print(f"{record.doc_id}\t{record.source_name}\t{video or _no_video(state, record.doc_id)}")
    return 0


def list_renders_of(doc_id: str) -> int:
    from notes_pipeline.stages.renders import list_renders

    bucket = open_bucket()
    renders = list_renders(bucket, doc_id)
    if not renders:
        raise SystemExit(f"{doc_id}: no renders yet (see `notes-pipeline status {doc_id}`)")
    print(f"{doc_id}: {len(renders)} render{'s' if len(renders) > 1 else ''} (* the latest)")
    for listing in renders:
        r = listing.render
        path = bucket.local_path(r.video_key) or r.video_key
        print(
            f"{'*' if listing.latest else ' '} {r.render_id:<28} {r.width}x{r.height}  {r.duration_s:6.1f}s  "
            f"{r.bytes / 1e6:6.2f} MB  {path}"
        )
    return 0


def _no_video(state, doc_id: str) -> str:  # state: StateStore
    """Why a document has no video, in a few words: its derived status (and the stage that failed)."""
    project = state.project(doc_id)
    if project is None:
        return "(no video yet: not started)"
    if project["status"] == "failed":
        return f"(failed at {project['failed_stage'] or 'a run'}: notes-pipeline status {doc_id})"
    return f"(no video yet: {project['status']})"


def cmd_download(args: argparse.Namespace) -> int:
    """Copy the MP4 here; from a bucket that can sign URLs (S3/R2), print a presigned URL instead."""
    from notes_pipeline.stages.renders import document_exists, find_render, near_documents

    bucket = open_bucket()
    if not document_exists(bucket, args.doc_id):
        near = near_documents(bucket, args.doc_id)
        raise SystemExit(
            f"no document {args.doc_id}"
            + (f"; did you mean: {', '.join(near)}" if near else "")
            + " (see `notes-pipeline list`)"
        )
    render = find_render(bucket, args.doc_id, args.render)
    if render is None:
        which = f"render {args.render}" if args.render else "finished video"
        raise SystemExit(f"{args.doc_id}: no {which} (see `notes-pipeline list {args.doc_id}`)")
    if not args.to and (url := bucket.presigned_url(render.video_key)):
        print(url)
        return 0
    dest = Path(args.to) if args.to else Path.cwd() / f"{args.doc_id}-{render.render_id}.mp4"
    bucket.download(render.video_key, dest)
    print(dest.resolve())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from notes_pipeline.follow import missing_stages

    state = open_state()
    close_dead_runs(open_dagster_instance())
    if args.follow:
        from notes_pipeline.follow import follow

        follow(
            state,
            args.doc_id,
            interval_s=args.interval,
            timeout_s=args.timeout,
            run_in_progress=lambda: _run_in_progress(args.doc_id),
        )
    project = state.project(args.doc_id)
    if project is None:
        raise SystemExit(f"{args.doc_id}: no such project (see `notes-pipeline list`)")
    status = project["status"]
    shown = {"done": "done (delivered)", "running": f"running ({', '.join(project['running_stages'])})"}
    print(
        f"{project['id']}: {shown.get(status, status)}"
        + (f" (reused {project['reused_from']})" if project["reused_from"] else "")
    )
    if status == "failed":
        where = f" at {project['failed_stage']}" if project["failed_stage"] else ""
        print(f"  error{where}: {project['failure'] or 'the run failed'}")
        print(f"  nothing runs it again until its notes or the code change: notes-pipeline retry {args.doc_id}")
    elif status == "incomplete":
        print(
            f"  nothing is running for {args.doc_id}; missing: {', '.join(missing_stages(project))} "
            f"(make the rest: notes-pipeline retry {args.doc_id})"
        )
    for scene in state.progress(args.doc_id):
        print(
            f"  scene {scene.sequence_number:2d}  {scene.status:8s} audio {scene.audio_status:8s} "
            f"image {scene.image_status:8s} retries {scene.retry_count}  {scene.heading}"
        )
    if status == "review":
        print(f"  waiting for review: notes-pipeline script {args.doc_id}, then notes-pipeline approve {args.doc_id}")
    if project["final_video_key"]:
        video = open_bucket().local_path(project["final_video_key"])
        print(f"  video: {video or project['final_video_key']}")
    return 1 if status in ("failed", "incomplete") else 0


def _run_in_progress(doc_id: str) -> bool:
    """A run of the document is queued or running in the Dagster instance (it may be between two steps)."""
    import dagster as dg

    waiting_or_running = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    runs = open_dagster_instance().get_run_records(
        dg.RunsFilter(tags={"dagster/partition": doc_id}, statuses=waiting_or_running), limit=1
    )
    return bool(runs)


def cmd_retry(args: argparse.Namespace) -> int:
    """Forget the document's recorded failure and render it here, now (finished scenes come from the caches)."""
    state = open_state()
    if state.project(args.doc_id) is None:
        raise SystemExit(f"{args.doc_id}: no such project (see `notes-pipeline list`)")
    if state.clear_failure(args.doc_id):
        print(f"{args.doc_id}: its failure is forgotten; trying again", flush=True)
    return report_outcomes(render_documents(open_dagster_instance(), open_bucket(), [args.doc_id]))


def cmd_gc(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from notes_pipeline.stages.gc import collect_garbage

    report = collect_garbage(
        open_bucket(),
        open_state(),
        now=datetime.now(UTC),
        retention=timedelta(days=args.retention_days),
        dry_run=not args.apply,
    )
    for line in report.lines():
        print(line)
    print(report.summary() + ("" if args.apply else "; run with --apply to delete"))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    """`dg dev` (the UI and the daemon) on this project's instance, its storage and the product tables in one Postgres.

    The embedded server is started here, before Dagster exists in any process: its code servers
    and daemon inherit the URLs instead of forking pg_ctl beside their gRPC threads."""
    open_dagster_instance().dispose()  # its tables and pools exist before the daemon and the UI share them
    os.environ[DATABASE_URL_ENV] = resolve_url()
    workspace = workspace_file()
    dg_cli = str(Path(sys.executable).with_name("dg"))
    os.execv(dg_cli, [dg_cli, "dev", "-w", str(workspace), "-h", args.host, "-p", str(args.port)])


def cmd_providers(args: argparse.Namespace) -> int:
    """Each provider, whether its secrets are set (never their values), and each chain's order."""
    from notes_pipeline.providers.config import Secrets, config_path, load_config
    from notes_pipeline.providers.registry import ProviderRegistry

    config = load_config(args.config)
    registry = ProviderRegistry(config, Secrets.from_env())
    print(f"provider config: {config_path(args.config)}")
    print()
    rows = [
        (s.capability, s.name, "configured" if s.configured else "not configured", s.detail)
        for s in registry.statuses()
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    print()
    print("fallback chains (configured order -> what runs now):")
    for capability, names in registry.chains().items():
        print(f"  {capability}: {' > '.join(names)}  ->  {' > '.join(registry.active(capability))}")
    from notes_pipeline.providers.tts.google import GoogleNarrator

    gemini, google = config.script.gemini, config.narration.settings_for(GoogleNarrator)
    print()
    print(f"gemini models: fast {gemini.models.fast}, strong {gemini.models.strong}, grounded {gemini.models.grounded}")
    print("google voices: " + ", ".join(f"{lang} {name}" for lang, (_, name) in google.voices.items()))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """A Celery worker for runs launched with NOTES_PIPELINE_EXECUTOR=celery (see notes_pipeline/workers.py)."""
    from notes_pipeline.workers import WorkerSettingsError, broker_url, parse_queues, start_worker

    try:
        queues = parse_queues(args.queues)
    except WorkerSettingsError as err:
        raise SystemExit(f"worker: {err}") from None
    open_dagster_instance().dispose()  # the instance's storage URL is exported before Celery forks its pool
    os.environ[DATABASE_URL_ENV] = resolve_url()
    from notes_pipeline.defs.resources import BucketResource

    if not BucketResource().location().startswith("s3://"):
        print(
            "worker: the bucket is a local folder; workers on other machines need NOTES_PIPELINE_BUCKET=s3://...",
            file=sys.stderr,
        )
    print(
        f"worker: queues {','.join(queues)}, concurrency {args.concurrency}, broker {mask_url(broker_url())}",
        file=sys.stderr,
        flush=True,
    )
    start_worker(queues, args.concurrency, args.name)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Build the dbt reports on the pipeline's database and write the dashboard; print where it is."""
    from notes_pipeline.domain.errors import PipelineError
    from notes_pipeline.reporting.dashboard import DASHBOARD_KEY, publish_dashboard, write_dashboard
    from notes_pipeline.reporting.dbt import run_dbt

    try:
        url = resolve_url()
        if not args.no_build:
            print("building the reports (dbt build) ...", file=sys.stderr, flush=True)
            run_dbt(["build"], url)
        if args.out:
            write_dashboard(url, Path(args.out))
            print(Path(args.out).resolve())
        else:
            bucket = open_bucket()
            _, uri = publish_dashboard(url, bucket)
            print(bucket.local_path(DASHBOARD_KEY) or uri)
    except PipelineError as err:
        raise SystemExit(f"report: {err}") from None
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="render the bundled example notes, offline")
    demo.add_argument("--examples", default=str(EXAMPLES_DIR), help="folder of example notes")
    demo.set_defaults(func=cmd_demo)
    worker = sub.add_parser("worker", help="a Celery worker taking steps of runs (NOTES_PIPELINE_EXECUTOR=celery)")
    worker.add_argument("--queues", default="render,providers", help="comma-separated: render, providers")
    worker.add_argument("--concurrency", type=int, default=1, help="steps at once (default 1)")
    worker.add_argument("--name", help="the worker's node name (default: queues, pid and host)")
    worker.set_defaults(func=cmd_worker)
    submit_p = sub.add_parser("submit", help="copy notes into the inbox")
    submit_p.add_argument("files", nargs="+")
    submit_p.add_argument("--run", action="store_true", help="render them now, in this process")
    submit_p.set_defaults(func=cmd_submit)
    sub.add_parser("run", help="register new inbox notes and render them, in this process").set_defaults(func=cmd_run)
    list_p = sub.add_parser("list", help="documents and their videos; with a document: all its renders")
    list_p.add_argument("doc_id", nargs="?")
    list_p.set_defaults(func=cmd_list)
    download = sub.add_parser("download", help="copy a document's video here (or print a presigned URL for S3/R2)")
    download.add_argument("doc_id")
    download.add_argument("--render", help="which render (see `notes-pipeline list <doc>`; default: the latest)")
    download.add_argument("--to", help="destination file")
    download.set_defaults(func=cmd_download)
    status = sub.add_parser("status", help="a document's progress, scene by scene, from the database")
    status.add_argument("doc_id")
    status.add_argument("--follow", action="store_true", help="progress bars per stage until done, failed or in review")
    status.add_argument("--interval", type=float, default=0.5, help="seconds between redraws (--follow)")
    status.add_argument("--timeout", type=float, help="stop following after this many seconds")
    status.set_defaults(func=cmd_status)
    retry = sub.add_parser("retry", help="render a document again that failed (its failure is otherwise skipped)")
    retry.add_argument("doc_id")
    retry.set_defaults(func=cmd_retry)
    gc = sub.add_parser("gc", help="list (or --apply: delete) objects nobody will read again")
    gc.add_argument("--apply", action="store_true", help="delete them; without it nothing is deleted")
    gc.add_argument("--retention-days", type=float, default=14, help="keep anything younger (default 14)")
    gc.set_defaults(func=cmd_gc)
    dev = sub.add_parser("dev", help="the Dagster UI and daemon on this project's instance")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(func=cmd_dev)
    providers = sub.add_parser("providers", help="which providers are configured, and each fallback chain")
    providers.add_argument(
        "--config", help="provider config file (default: $NOTES_PIPELINE_PROVIDERS_CONFIG or the one shipped)"
    )
    providers.set_defaults(func=cmd_providers)
    report = sub.add_parser("report", help="build the dbt reports and write the HTML dashboard")
    report.add_argument("--out", help="write the dashboard here instead of the bucket's reports/dashboard.html")
    report.add_argument("--no-build", action="store_true", help="render from the reports as last built")
    report.set_defaults(func=cmd_report)
