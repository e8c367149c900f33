"""Images from URLs we did not choose (search hits, stock libraries, figures the notes link to): fetched through
`safe_fetch`, so every redirect hop is checked, then decoded by Pillow within a pixel budget."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.download import safe_fetch
from notes_pipeline.providers.images.decode import verify_image


@dataclass(frozen=True)
class Download:
    """An image fetched from an untrusted URL, checked by content type and by Pillow."""

    content: bytes
    content_type: str
    url: str
    width: int
    height: int
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0
    latency_s: float = 0.0


def safe_download(
    url: str, client: HttpClient, *, max_redirects: int = 3, max_pixels: int = 40_000_000, max_bytes: int | None = None
) -> Download:
    """Fetch an image from a URL we did not choose, following redirects by hand so each hop
    is checked by the client's UrlGuard. The body must be image/* and decode with Pillow
    within `max_pixels` (decompression bombs are refused before decoding)."""
    started = time.monotonic()
    response, hops, attempts = safe_fetch(
        url, client, accept=("image/",), max_redirects=max_redirects, max_bytes=max_bytes
    )
    width, height = verify_image(response.content, max_pixels=max_pixels, provider=client.provider)
    return Download(
        response.content, response.content_type, response.url, width, height, hops, attempts, time.monotonic() - started
    )
