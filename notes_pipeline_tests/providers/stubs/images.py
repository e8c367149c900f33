"""Wire-format handlers for the image providers, for StubServer(handler).

Each answers the provider's documented path with a real picture and refuses anything
else (wrong path or missing bearer token: 404/401), so a client that drifts from the wire
format fails loudly. Pictures are 'gradient' PNGs that pass the quality gate.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from PIL import Image

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply, png_bytes

Handler = Callable[[Recorded], Reply]


@lru_cache(maxsize=16)
def jpeg_bytes(width: int = 1024, height: int = 576) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes(width, height))).save(out, "JPEG", quality=85)
    return out.getvalue()


def _authorised(request: Recorded, token: str) -> bool:
    return request.header("Authorization") == f"Bearer {token}"


def cloudflare(token: str, account_id: str, *, answer: str = "json", size: tuple[int, int] = (1024, 576)) -> Handler:
    """Workers AI: JSON {"result": {"image": base64 JPEG}} (FLUX) or raw PNG bytes (Stable Diffusion)."""
    route = re.compile(rf"^/client/v4/accounts/{re.escape(account_id)}/ai/run/(@cf/[\w.\-/]+)$")

    def handle(request: Recorded) -> Reply:
        if request.method != "POST" or not route.match(request.route):
            return Reply.error(404, "no such route")
        if not _authorised(request, token):
            return Reply.json({"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}, 401)
        if answer == "png":
            return Reply.png(*size)
        image = base64.b64encode(jpeg_bytes(*size)).decode()
        return Reply.json({"result": {"image": image}, "success": True, "errors": [], "messages": []})

    return handle


def together(token: str, *, image_url: str | None = None, size: tuple[int, int] = (1024, 576)) -> Handler:
    """OpenAI-style images API: {"data": [{"b64_json": ...}]}, or a URL when image_url is given."""

    def handle(request: Recorded) -> Reply:
        if request.method != "POST" or request.route != "/v1/images/generations":
            return Reply.error(404, "no such route")
        if not _authorised(request, token):
            return Reply.error(401, "invalid api key")
        item: dict[str, Any] = (
            {"url": image_url} if image_url else {"b64_json": base64.b64encode(png_bytes(*size)).decode()}
        )
        return Reply.json(
            {"id": "img-1", "model": request.json().get("model"), "object": "list", "data": [{"index": 0, **item}]}
        )

    return handle


def huggingface(token: str, *, size: tuple[int, int] = (1024, 576)) -> Handler:
    """HF Inference: POST /hf-inference/models/{org}/{model} answers the image bytes."""

    def handle(request: Recorded) -> Reply:
        if request.method != "POST" or not re.match(r"^/hf-inference/models/[\w.\-]+/[\w.\-]+$", request.route):
            return Reply.error(404, "no such route")
        if not _authorised(request, token):
            return Reply.error(401, "invalid token")
        return Reply.png(*size)

    return handle


def custom_search(items: list[dict[str, Any]], *, images: dict[str, bytes] | None = None) -> Handler:
    """Custom Search JSON API (GET /customsearch/v1) plus the web pictures its results point at (GET /img/...)."""
    pictures = images or {}

    def handle(request: Recorded) -> Reply:
        if request.method == "GET" and request.route == "/customsearch/v1":
            if not request.query.get("key"):
                return Reply.error(403, "API key missing")
            return Reply.json({"kind": "customsearch#search", "items": items})
        if request.method == "GET" and request.route in pictures:
            return Reply.raw(pictures[request.route], "image/png")
        return Reply.error(404, "no such route")

    return handle


def search_item(
    link: str,
    *,
    title: str = "Photo",
    site: str = "example.org",
    width: int = 1600,
    height: int = 900,
    page: str | None = None,
    mime: str = "image/png",
) -> dict[str, Any]:
    return {
        "kind": "customsearch#result",
        "title": title,
        "link": link,
        "displayLink": site,
        "mime": mime,
        "image": {
            "contextLink": page or f"https://{site}/article",
            "width": width,
            "height": height,
            "thumbnailLink": "https://encrypted-tbn0.gstatic.com/images?q=x",
        },
    }
