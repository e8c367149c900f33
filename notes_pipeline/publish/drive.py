"""Google Drive: `files.create` as a chunked resumable upload into a folder, for review before publishing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from notes_pipeline.publish.google import (
    DEFAULT_CHUNK_BYTES,
    Progress,
    ReplayableFileUpload,
    Sleep,
    resumable_upload,
)
from notes_pipeline.publish.youtube import Published, VideoMetadata


def upload_file(
    service: Any,
    video: Path,
    metadata: VideoMetadata,
    *,
    folder_id: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> Published:
    """Upload the MP4 as '<title>.mp4' (into `folder_id` when given); the file's id and view link."""
    body: dict[str, Any] = {
        "name": f"{metadata.title}.mp4",
        "mimeType": "video/mp4",
        "description": metadata.description,
    }
    if folder_id:
        body["parents"] = [folder_id]
    request = service.files().create(
        body=body,
        fields="id,name,webViewLink,parents",
        supportsAllDrives=True,
        media_body=ReplayableFileUpload(str(video), mimetype="video/mp4", chunksize=chunk_bytes, resumable=True),
    )
    created = resumable_upload(request, "Drive files.create", sleep=sleep, progress=progress)
    file_id = created["id"]
    url = created.get("webViewLink") or f"https://drive.google.com/file/d/{file_id}/view"
    return Published(remote_id=file_id, url=url, details={"folder": folder_id or "", "name": body["name"]})
