"""`notes-pipeline publish DOC --to youtube|drive`: upload a finished render, once.

Uses the same bucket, database and credentials as the `published_video` asset. A render
already published to that target prints its link again and makes no request.
"""

from __future__ import annotations

import argparse

from notes_pipeline.cli.environment import open_bucket, open_state
from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import Publishing
from notes_pipeline.providers.config import ProviderConfigError, Secrets, load_config
from notes_pipeline.publish.publisher import PublishSettings, publish_render
from notes_pipeline.stages.script import load_document
from notes_pipeline.store.publications import PublicationStore


def cmd_publish(args: argparse.Namespace) -> int:
    from notes_pipeline.defs.resources import PipelineSettings
    from notes_pipeline.stages.renders import document_exists, find_render, near_documents

    bucket = open_bucket()
    if not document_exists(bucket, args.doc_id):
        near = near_documents(bucket, args.doc_id)
        raise SystemExit(f"no document {args.doc_id}" + (f"; did you mean: {', '.join(near)}" if near else ""))
    render = find_render(bucket, args.doc_id, args.render)
    if render is None:
        which = f"render {args.render}" if args.render else "finished video"
        raise SystemExit(f"{args.doc_id}: no {which} to publish (see `notes-pipeline list {args.doc_id}`)")
    try:
        # Read as video_script reads them: the same front matter and options the pipeline publishes with.
        document = load_document(bucket, args.doc_id, max_bytes=PipelineSettings().max_notes_bytes)
        config = load_config().publish
    except (PipelineError, ProviderConfigError) as err:
        raise SystemExit(str(err)) from None
    asked = Publishing.asked_by(document, args.to)
    assert asked is not None  # --to is required
    request = asked.model_copy(
        update={"privacy": args.privacy or asked.privacy, "drive_folder": args.folder or asked.drive_folder}
    )
    store = PublicationStore(open_state().db)
    try:
        publication, uploaded = publish_render(
            bucket, store, render, request, secrets=Secrets.from_env(), settings=PublishSettings.from_config(config)
        )
    except PipelineError as err:
        raise SystemExit(f"notes-pipeline publish: {err}") from None
    note = "published" if uploaded else "already published"
    print(f"{args.doc_id}  {render.render_id}  {publication.target}  {note}  {publication.url}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    publish = sub.add_parser("publish", help="upload a document's video to YouTube or Google Drive (once)")
    publish.add_argument("doc_id")
    publish.add_argument("--to", required=True, choices=["youtube", "drive"])
    publish.add_argument("--render", help="which render (default: the latest)")
    publish.add_argument(
        "--privacy",
        choices=["private", "unlisted", "public"],
        help="YouTube visibility (default: the notes' `privacy` option, else private)",
    )
    publish.add_argument("--folder", help="Drive folder id (default: the notes' `drive_folder` option)")
    publish.set_defaults(func=cmd_publish)
