"""GETs of URLs we did not choose: redirects followed by hand so the client's UrlGuard checks every hop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin

from notes_pipeline.providers.http.client import HttpClient, HttpResponse
from notes_pipeline.providers.http.errors import UnexpectedContentError, UnsafeUrlError, display_url
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


def safe_fetch(
    url: str, client: HttpClient, *, accept: Sequence[str], max_redirects: int = 3, max_bytes: int | None = None
) -> tuple[HttpResponse, list[str], int]:
    """GET a URL we did not choose, following redirects by hand so each hop is checked by the client's
    UrlGuard; the body's content type must start with one of `accept` (e.g. 'video/').
    Returns (the final answer, the redirect hops, attempts in all)."""
    if client.url_guard is None:
        raise ValueError("safe_fetch needs an HttpClient built with a UrlGuard (untrusted URLs)")
    hops: list[str] = []
    attempts = 0
    current = url
    wanted = ", ".join(a.rstrip("/") + "/*" if a.endswith("/") else a for a in accept)
    for _ in range(max_redirects + 1):
        response = client.request("GET", current, headers={"Accept": wanted}, expect=tuple(accept), max_bytes=max_bytes)
        attempts += response.attempts
        if 300 <= response.status < 400:
            location = response.headers.get("Location")
            if not location:
                raise UnexpectedContentError(
                    f"{display_url(current)} redirected without a Location",
                    provider=client.provider,
                    status=response.status,
                    attempts=attempts,
                )
            current = urljoin(current, location)
            hops.append(display_url(current))
            continue
        return replace(response, url=current), hops, attempts
    raise UnsafeUrlError(f"{display_url(url)} redirected more than {max_redirects} times")
