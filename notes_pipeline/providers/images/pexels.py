"""Pexels: free stock photos and videos under the Pexels License.

`GET /v1/search` (photos) and `GET /v1/videos/search` (videos; `/videos/search` is the older,
deprecated path) with `query`, `orientation`, `per_page` and `page`; the key travels in the
`Authorization` header. An answer lists `photos` (with `src` sizes, `photographer`, the
page `url`) or `videos` (with `video_files` of several sizes and a `user`), and `next_page`
when there is another page.
"""

from __future__ import annotations

from typing import Any

from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.images.stock import Media, SearchPage, StockHit, StockLibrary, best_file

DEFAULT_BASE_URL = "https://api.pexels.com"
LICENCE = "Pexels License"
# `src.large2x` is the photo fitted into 940x650 at twice the pixel density.
LARGE2X_BOX = (1880, 1300)


def orientation(request: ImageRequest) -> str:
    width, height = request.style.width, request.style.height
    return "landscape" if width > height else "portrait" if height > width else "square"


def _fitted(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    scale = min(1.0, box[0] / width, box[1] / height) if width > 0 and height > 0 else 0.0
    return round(width * scale), round(height * scale)


class PexelsLibrary(StockLibrary):
    name = "pexels"
    needs = (("pexels_api_key",),)
    licence = LICENCE
    site = "Pexels"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        photos_path: str = "/v1/search",
        videos_path: str = "/v1/videos/search",
        **kwargs: Any,
    ) -> None:
        super().__init__(api_key, base_url=base_url, **kwargs)
        self.paths: dict[Media, str] = {"photos": photos_path, "videos": videos_path}

    def search(self, media: Media, query: str, page: int, request: ImageRequest) -> SearchPage:
        path = self.paths[media]
        response = self.client.request(
            "GET",
            self.base_url + path,
            headers={"Authorization": self._key, "Accept": "application/json"},
            params={
                "query": query,
                "orientation": orientation(request),
                "per_page": str(self.per_page),
                "page": str(page),
            },
            expect=("application/json",),
        )
        answer = response.json()
        items = answer.get(media) if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise UnexpectedContentError(
                f"{self.name}: GET {path} answered without a list of {media}",
                provider=self.name,
                attempts=response.attempts,
                retryable=False,
            )
        frame = (request.style.width, request.style.height)
        read = self._photo if media == "photos" else self._video
        hits = [read(item, frame) for item in items if isinstance(item, dict)]
        return SearchPage(hits, more=bool(answer.get("next_page")), attempts=response.attempts)

    def _photo(self, item: dict[str, Any], frame: tuple[int, int]) -> StockHit:
        src = item.get("src") if isinstance(item.get("src"), dict) else {}
        width, height = int(item.get("width") or 0), int(item.get("height") or 0)
        large = _fitted(width, height, LARGE2X_BOX)
        # The smaller rendition when it covers the frame (a few hundred kB, not a camera original).
        if src.get("large2x") and large[0] >= frame[0] and large[1] >= frame[1]:
            url, (width, height) = str(src["large2x"]), large
        else:
            url = str(src.get("original") or "")
        return StockHit(
            media="photos",
            id=str(item.get("id", "")),
            width=width,
            height=height,
            url=url,
            page_url=str(item.get("url") or ""),
            author=str(item.get("photographer") or ""),
            tags=str(item.get("alt") or ""),
        )

    def _video(self, item: dict[str, Any], frame: tuple[int, int]) -> StockHit:
        files = [
            (int(f.get("width") or 0), int(f.get("height") or 0), str(f.get("link") or ""))
            for f in item.get("video_files") or []
            if isinstance(f, dict) and str(f.get("file_type", "video/mp4")).lower() == "video/mp4"
        ]
        chosen = best_file(files, frame)
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        width, height, url = chosen or (0, 0, "")
        tags = item.get("tags") if isinstance(item.get("tags"), list) else []
        return StockHit(
            media="videos",
            id=str(item.get("id", "")),
            width=width,
            height=height,
            url=url,
            page_url=str(item.get("url") or ""),
            author=str(user.get("name") or ""),
            tags=", ".join(str(t) for t in tags),
            duration_s=float(item.get("duration") or 0) or None,
        )
