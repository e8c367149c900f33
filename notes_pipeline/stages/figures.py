"""The bytes of a figure the notes embed, for the images stage.

`![alt](diagram.png)` is read from the bucket beside the note (`inbox/course/lesson.md` →
`inbox/course/diagram.png`); a path starting with `/` from the inbox root; a path that climbs
out of the inbox with `..` is refused. An http(s) URL came from outside: it is fetched through
the SSRF-safe download of `providers/http/download.py` (public addresses only, every redirect checked,
images only). Both are capped at 15 MB and must decode as a picture. A figure that cannot be
had is not a failed document: the scene falls back to its next picture and the reason is kept
with the scene's image (`SceneImage.figure_problem`).

Remote figures are fetched by default; `NOTES_PIPELINE_REMOTE_FIGURES=off` turns them off (an
air-gapped deployment, the corpus benchmark).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.models import FigureVisual
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import display_url
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.decode import open_image
from notes_pipeline.providers.images.download import safe_download
from notes_pipeline.stages.script import load_source_record
from notes_pipeline.store import keys
from notes_pipeline.store.bucket import Bucket, ObjectNotFoundError

MAX_FIGURE_BYTES = 15_000_000
MAX_FIGURE_PIXELS = 40_000_000
REMOTE_SWITCH = "NOTES_PIPELINE_REMOTE_FIGURES"


class FigureError(Exception):
    """Why a figure could not be had: said in the scene's record, never a failed document."""


def remote_figures_enabled() -> bool:
    return os.environ.get(REMOTE_SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def figure_key(source: str, note_key: str | None) -> str:
    """The bucket key of a figure path as the notes wrote it; FigureError when it leaves the inbox."""
    path = unquote(urlsplit(source).path)
    if path.startswith("/"):
        joined = keys.INBOX_PREFIX + path.lstrip("/")
    elif note_key is None:
        raise FigureError(f"figure '{source}': the note's place in the bucket is unknown")
    else:
        joined = posixpath.join(posixpath.dirname(note_key), path)
    key = posixpath.normpath(joined)
    if not key.startswith(keys.INBOX_PREFIX) or "\\" in path:
        raise FigureError(f"figure '{source}' is outside the inbox: refused")
    try:
        return keys.validate_key(key)
    except keys.InvalidKeyError as err:
        raise FigureError(f"figure '{source}': {err}") from None


@dataclass
class FigureFetcher:
    """Fetches the figures of one document: from the bucket beside its note, or the web (client set)."""

    bucket: Bucket
    note_key: str | None
    client: HttpClient | None = None  # None: remote figures are off
    max_bytes: int = MAX_FIGURE_BYTES

    def fetch(self, visual: FigureVisual) -> bytes:
        scheme = urlsplit(visual.source).scheme.lower()
        if scheme in ("http", "https"):
            return self._remote(visual.source)
        if scheme and len(scheme) > 1:  # 'C:' is a Windows drive, not a scheme; it fails as a path
            raise FigureError(f"figure '{visual.source}': a {scheme}: address is not fetched")
        return self._local(visual.source)

    def _local(self, source: str) -> bytes:
        key = figure_key(source, self.note_key)
        info = self.bucket.stat(key)
        if info is None:
            raise FigureError(f"figure '{source}' is not in the bucket at {key}")
        if info.size > self.max_bytes:
            raise FigureError(
                f"figure '{source}' is {info.size / 1e6:.1f} MB, over the {self.max_bytes / 1e6:.0f} MB limit"
            )
        try:
            data = self.bucket.get_bytes(key, max_bytes=self.max_bytes + 1)
        except ObjectNotFoundError:
            raise FigureError(f"figure '{source}' is not in the bucket at {key}") from None
        if len(data) > self.max_bytes:
            raise FigureError(f"figure '{source}' is over the {self.max_bytes / 1e6:.0f} MB limit")
        try:
            open_image(data, max_pixels=MAX_FIGURE_PIXELS, provider="figure")
        except PipelineError as err:
            raise FigureError(f"figure '{source}': {err.cause}") from None
        return data

    def _remote(self, url: str) -> bytes:
        if self.client is None:
            raise FigureError(f"figure {display_url(url)}: remote figures are off ({REMOTE_SWITCH})")
        try:
            return safe_download(url, self.client, max_pixels=MAX_FIGURE_PIXELS, max_bytes=self.max_bytes).content
        except (PipelineError, OSError, ValueError) as err:
            cause = err.cause if isinstance(err, PipelineError) else str(err)
            raise FigureError(f"figure {display_url(url)}: {cause}") from None


def figure_fetcher(
    bucket: Bucket, doc_id: str, *, http: HttpConfig | None = None, guard: UrlGuard | None = None
) -> FigureFetcher:
    """The fetcher for a registered document: its note's place from source.json, the web if allowed."""
    try:
        note_key: str | None = load_source_record(bucket, doc_id).source_key
    except PipelineError:
        note_key = None
    client = (
        HttpClient("figures", http or HttpConfig(), url_guard=guard or UrlGuard()) if remote_figures_enabled() else None
    )
    return FigureFetcher(bucket, note_key, client)
