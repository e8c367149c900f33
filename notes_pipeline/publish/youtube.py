"""YouTube: `videos.insert` as a chunked resumable upload, then the SRT caption track and the thumbnail.

The video's title, description, tags and language come from the notes and the script
(`VideoMetadata`); it is uploaded `private` unless the options say otherwise, and declared as
containing synthetic media (a machine-made voice and pictures). Captions and thumbnail are
best-effort: a channel that may not set custom thumbnails (unverified) still gets its video,
and the outcome of each is recorded with the publication.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from googleapiclient.http import MediaFileUpload
from pydantic import BaseModel, Field

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import Publishing, Script
from notes_pipeline.publish.google import (
    DEFAULT_CHUNK_BYTES,
    Progress,
    ReplayableFileUpload,
    Sleep,
    call,
    resumable_upload,
)

EDUCATION_CATEGORY = "27"
TITLE_LIMIT, DESCRIPTION_LIMIT, TAGS_LIMIT = 100, 5000, 500  # YouTube's limits (tags: characters in all)
_ANGLES = re.compile(r"[<>]")  # YouTube refuses titles and descriptions with angle brackets


class VideoMetadata(BaseModel):
    title: str = Field(min_length=1, max_length=TITLE_LIMIT)
    description: str = Field(max_length=DESCRIPTION_LIMIT)
    tags: list[str] = Field(default_factory=list)
    language: str


class Published(BaseModel):
    remote_id: str
    url: str
    details: dict[str, Any] = Field(default_factory=dict)


def _clean(text: str, limit: int) -> str:
    text = _ANGLES.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def video_metadata(publishing: Publishing, script: Script, disclosure: str) -> VideoMetadata:
    """The notes' own title, description and tags when their front matter has them; else the script's."""
    lines = [publishing.description or script.summary]
    if script.objectives:
        lines += ["", *[f"• {o}" for o in script.objectives]]
    lines += ["", disclosure]
    tags: list[str] = []
    for tag in dict.fromkeys(t.strip() for t in publishing.tags if t.strip()):
        if sum(len(t) + 1 for t in tags) + len(tag) > TAGS_LIMIT:
            break
        tags.append(_clean(tag, 100))
    return VideoMetadata(
        title=_clean(publishing.title or script.title, TITLE_LIMIT),
        description=_clean("\n".join(lines), DESCRIPTION_LIMIT),
        tags=tags,
        language=script.language,
    )


def upload_video(
    service: Any,
    video: Path,
    metadata: VideoMetadata,
    *,
    privacy: str = "private",
    captions: Path | None = None,
    thumbnail: Path | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> Published:
    """Upload the MP4 (resumable, in chunks), then its caption track and thumbnail."""
    body = {
        "snippet": {
            "title": metadata.title,
            "description": metadata.description,
            "tags": metadata.tags,
            "categoryId": EDUCATION_CATEGORY,
            "defaultLanguage": metadata.language,
            "defaultAudioLanguage": metadata.language,
        },
        "status": {"privacyStatus": privacy, "selfDeclaredMadeForKids": False, "containsSyntheticMedia": True},
    }
    request = service.videos().insert(
        part="snippet,status",
        body=body,
        notifySubscribers=False,
        media_body=ReplayableFileUpload(str(video), mimetype="video/mp4", chunksize=chunk_bytes, resumable=True),
    )
    created = resumable_upload(request, "YouTube videos.insert", sleep=sleep, progress=progress)
    video_id = created["id"]
    details: dict[str, Any] = {"privacy": created.get("status", {}).get("privacyStatus", privacy)}
    if captions is not None:
        details["captions"] = _optional(
            lambda: call(
                service.captions().insert(
                    part="snippet",
                    body={
                        "snippet": {
                            "videoId": video_id,
                            "language": metadata.language,
                            "name": metadata.language,
                            "isDraft": False,
                        }
                    },
                    media_body=MediaFileUpload(str(captions), mimetype="application/octet-stream", resumable=False),
                ),
                "YouTube captions.insert",
                sleep=sleep,
            ).get("id", "added")
        )
    if thumbnail is not None:
        details["thumbnail"] = _optional(
            lambda: (
                call(
                    service.thumbnails().set(
                        videoId=video_id,
                        media_body=MediaFileUpload(str(thumbnail), mimetype="image/jpeg", resumable=False),
                    ),
                    "YouTube thumbnails.set",
                    sleep=sleep,
                )
                and "set"
            )
        )
    return Published(remote_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}", details=details)


def _optional(step: Any) -> str:
    """A step after the video exists: its failure is recorded, not raised (the upload is not redone)."""
    try:
        return str(step())
    except PipelineError as err:
        return f"failed: {err}"
