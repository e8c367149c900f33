"""GETs of URLs we did not choose: redirects followed by hand so the client's UrlGuard checks every hop.
Images fetched this way and checked by Pillow: providers/images/download.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urljoin

from notes_pipeline.providers.http.client import HttpClient, HttpResponse
from notes_pipeline.providers.http.errors import UnexpectedContentError, UnsafeUrlError, display_url


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
