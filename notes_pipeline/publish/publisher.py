"""Publish one render to one target, once: the `publications` table is checked before any request.

What is uploaded is the render as it sits in the bucket (MP4, SRT, thumbnail); the words
around it come from the notes (`Publishing`: front matter title, description, tags) and the
script the render was made from. The publication is recorded after the upload finished, under
an advisory lock on (document, render, target): a second publisher waits, then finds the row
and makes no request at all.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import Provenance, Publishing, PublishTarget, Script, VideoRender
from notes_pipeline.providers.config import PublishConfig, Secrets
from notes_pipeline.publish.drive import upload_file
from notes_pipeline.publish.google import (
    DEFAULT_CHUNK_BYTES,
    DRIVE_SCOPES,
    YOUTUBE_SCOPES,
    PublishConfigError,
    Sleep,
    google_service,
    user_credentials,
)
from notes_pipeline.publish.youtube import upload_video, video_metadata
from notes_pipeline.stages.scratch import scratch_dir
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, load_model
from notes_pipeline.store.publications import Publication, PublicationStore

log = logging.getLogger(__name__)
STAGE = "published_video"


@dataclass(frozen=True)
class PublishSettings:
    """Where the APIs are (None: Google's own) and how uploads are cut; tests point them at 127.0.0.1."""

    youtube_endpoint: str | None = None
    drive_endpoint: str | None = None
    token_uri: str | None = None
    ca_certs: str | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    timeout_s: float = 60

    @classmethod
    def from_config(cls, config: PublishConfig) -> PublishSettings:
        return cls(
            youtube_endpoint=config.youtube_base_url,
            drive_endpoint=config.drive_base_url,
            token_uri=config.token_uri,
            ca_certs=config.ca_certs,
            chunk_bytes=config.chunk_mb * 1024 * 1024,
            timeout_s=config.timeout_s,
        )


class PublishOutcome(BaseModel):
    """What the `published_video` asset records: nothing asked for, or where the render went."""

    doc_id: str
    render_id: str
    target: PublishTarget | None = None
    remote_id: str | None = None
    url: str | None = None
    uploaded: bool = False  # False: not asked for, or published before (no request made)


def script_of_render(bucket: Bucket, render: VideoRender) -> tuple[Script, Provenance]:
    """The script the render was made from: the one whose stored bytes hash to provenance.script_sha256."""
    provenance = load_model(bucket, keys.render_file(render.doc_id, render.render_id, "provenance.json"), Provenance)
    if provenance is None:
        raise PipelineError(f"render {render.render_id} has no provenance.json", doc_id=render.doc_id, stage=STAGE)
    prefix = keys.project_prefix(render.doc_id)
    for obj in bucket.list(prefix):
        name = obj.key.rsplit("/", 1)[-1]
        if name.startswith("script") and name.endswith(".json"):
            data = bucket.get_bytes(obj.key)
            if hashlib.sha256(data).hexdigest() == provenance.script_sha256:
                return Script.model_validate_json(data), provenance
    raise PipelineError(
        f"the script of render {render.render_id} is no longer in the bucket", doc_id=render.doc_id, stage=STAGE
    )


def _local(bucket: Bucket, key: str, work: Path) -> Path:
    path = bucket.local_path(key)
    return path if path is not None and path.is_file() else bucket.download(key, work / key.rsplit("/", 1)[-1])


def publish_render(
    bucket: Bucket,
    store: PublicationStore,
    render: VideoRender,
    request: Publishing,
    *,
    secrets: Secrets,
    settings: PublishSettings = PublishSettings(),
    sleep: Sleep = time.sleep,
    service_factory: Callable[..., Any] = google_service,
) -> tuple[Publication, bool]:
    """(the publication, True when this call uploaded it). A published render is never uploaded again."""
    doc_id = render.doc_id
    found = store.find(doc_id, render.render_id, request.target)
    if found is not None:
        return found, False
    with store.exclusive(doc_id, render.render_id, request.target):
        found = store.find(doc_id, render.render_id, request.target)
        if found is not None:
            return found, False
        script, provenance = script_of_render(bucket, render)
        metadata = video_metadata(request, script, provenance.disclosure)
        if request.target == "drive" and not request.drive_folder:
            log.info("%s: no drive_folder in the options: uploading to the Drive root", doc_id)
        try:
            scopes = YOUTUBE_SCOPES if request.target == "youtube" else DRIVE_SCOPES
            credentials = user_credentials(secrets.value("google_oauth"), scopes, token_uri=settings.token_uri)
        except PublishConfigError as err:
            raise err.at(doc_id=doc_id, stage=STAGE) from None
        started = time.perf_counter()
        with scratch_dir(f"publish-{doc_id}-{render.render_id}") as work:
            video = _local(bucket, render.video_key, work)
            try:
                if request.target == "youtube":
                    service = service_factory(
                        "youtube",
                        "v3",
                        credentials,
                        endpoint=settings.youtube_endpoint,
                        timeout_s=settings.timeout_s,
                        ca_certs=settings.ca_certs,
                    )
                    published = upload_video(
                        service,
                        video,
                        metadata,
                        privacy=request.privacy,
                        captions=_local(bucket, render.srt_key, work),
                        thumbnail=_local(bucket, render.thumbnail_key, work),
                        chunk_bytes=settings.chunk_bytes,
                        sleep=sleep,
                    )
                else:
                    service = service_factory(
                        "drive",
                        "v3",
                        credentials,
                        endpoint=settings.drive_endpoint,
                        timeout_s=settings.timeout_s,
                        ca_certs=settings.ca_certs,
                    )
                    published = upload_file(
                        service,
                        video,
                        metadata,
                        folder_id=request.drive_folder,
                        chunk_bytes=settings.chunk_bytes,
                        sleep=sleep,
                    )
            except PipelineError as err:
                raise err.at(doc_id=doc_id, stage=STAGE) from None
        details = {**published.details, "bytes": render.bytes, "upload_s": round(time.perf_counter() - started, 3)}
        publication = store.record(
            Publication(
                project_id=doc_id,
                render_id=render.render_id,
                target=request.target,
                remote_id=published.remote_id,
                url=published.url,
                privacy=request.privacy if request.target == "youtube" else None,
                details=details,
            )
        )
        log.info("%s: render %s published to %s: %s", doc_id, render.render_id, request.target, publication.url)
        return publication, True
