"""Pixabay: free stock photos and videos under the Pixabay Content License.

`GET /api/?key=…&q=…` (photos) and `GET /api/videos/?key=…&q=…` (videos), with
`image_type=photo` / `video_type`, `orientation`, `safesearch`, `per_page` (3-200) and
`page`. The key travels in the query string, so it is redacted from every log line and
error (the HTTP policy logs no query strings). An answer has `totalHits` and `hits`: photos
with `largeImageURL` (at most 1280 px; `fullHDURL` with full API access), `imageWidth`,
`imageHeight`, `user`, `pageURL` and `tags`; videos with `videos.{large,medium,small,tiny}`.
"""

from __future__ import annotations

from typing import Any

from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.images.stock import Media, SearchPage, StockHit, StockLibrary, best_file

DEFAULT_BASE_URL = "https://pixabay.com"
LICENCE = "Pixabay Content License"
LARGE_SIDE = 1280  # largeImageURL: the photo fitted into 1280x1280
FULL_HD_SIDE = 1920  # fullHDURL
MAX_QUERY_CHARS = 100  # the API refuses longer queries


def _fitted(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height)) if width > 0 and height > 0 else 0.0
    return round(width * scale), round(height * scale)


def orientation(request: ImageRequest) -> str:
    width, height = request.style.width, request.style.height
    return "horizontal" if width > height else "vertical" if height > width else "all"


class PixabayLibrary(StockLibrary):
    name = "pixabay"
    needs = (("pixabay_api_key",),)
    licence = LICENCE
    site = "Pixabay"

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> None:
        super().__init__(api_key, base_url=base_url, **kwargs)

    def search(self, media: Media, query: str, page: int, request: ImageRequest) -> SearchPage:
        path = "/api/" if media == "photos" else "/api/videos/"
        params = {
            "key": self._key,
            "q": query[:MAX_QUERY_CHARS],
            "safesearch": "true",
            "per_page": str(max(3, min(200, self.per_page))),
            "page": str(page),
        }
        if media == "photos":
            params |= {"image_type": "photo", "orientation": orientation(request)}
        else:
            params |= {"video_type": "all"}
        response = self.client.request("GET", self.base_url + path, params=params, expect=("application/json",))
        answer = response.json()
        items = answer.get("hits") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise UnexpectedContentError(
                f"{self.name}: GET {path} answered without a list of hits",
                provider=self.name,
                attempts=response.attempts,
                retryable=False,
            )
        frame = (request.style.width, request.style.height)
        read = self._photo if media == "photos" else self._video
        hits = [read(item, frame) for item in items if isinstance(item, dict)]
        total = int(answer.get("totalHits") or 0)
        return SearchPage(hits, more=page * self.per_page < total and bool(items), attempts=response.attempts)

    @staticmethod
    def _common(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(item.get("id", "")),
            "page_url": str(item.get("pageURL") or ""),
            "author": str(item.get("user") or ""),
            "tags": str(item.get("tags") or ""),
            "premium": bool(item.get("premium") or item.get("isPremium")),
        }

    def _photo(self, item: dict[str, Any], frame: tuple[int, int]) -> StockHit:
        width, height = int(item.get("imageWidth") or 0), int(item.get("imageHeight") or 0)
        if item.get("fullHDURL"):
            url, (width, height) = str(item["fullHDURL"]), _fitted(width, height, FULL_HD_SIDE)
        else:
            url, (width, height) = str(item.get("largeImageURL") or ""), _fitted(width, height, LARGE_SIDE)
        return StockHit(media="photos", width=width, height=height, url=url, **self._common(item))

    def _video(self, item: dict[str, Any], frame: tuple[int, int]) -> StockHit:
        sizes = item.get("videos") if isinstance(item.get("videos"), dict) else {}
        files = [
            (int(v.get("width") or 0), int(v.get("height") or 0), str(v.get("url") or ""))
            for v in sizes.values()
            if isinstance(v, dict)
        ]
        width, height, url = best_file(files, frame) or (0, 0, "")
        return StockHit(
            media="videos",
            width=width,
            height=height,
            url=url,
            duration_s=float(item.get("duration") or 0) or None,
            **self._common(item),
        )
