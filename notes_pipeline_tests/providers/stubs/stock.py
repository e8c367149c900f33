"""Pexels and Pixabay on one stub port: their search endpoints, paginated as the real ones are, and the
CDN files (photos, MP4 clips, a redirect like Pexels' video links) their results point at."""

from __future__ import annotations

import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from notes_pipeline.media.ffmpeg import ffmpeg_exe
from notes_pipeline_tests.providers.stubs.server import Handler, Recorded, Reply, png_bytes


@lru_cache(maxsize=4)
def mp4_bytes(width: int = 1280, height: int = 720, seconds: float = 1.5, audio: bool = True) -> bytes:
    """A real H.264 clip (moving test pattern) with an AAC tone: what a stock library serves."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder, "clip.mp4")
        args = [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={width}x{height}:rate=25:duration={seconds}",
        ]
        if audio:
            args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-pix_fmt", "yuv420p", str(out)]
        subprocess.run(args, check=True, capture_output=True)
        return out.read_bytes()


def _page(items: list[dict[str, Any]], request: Recorded, default: int) -> tuple[list[dict[str, Any]], int, int]:
    per_page = int(request.query.get("per_page", [default])[0])
    page = int(request.query.get("page", ["1"])[0])
    return items[(page - 1) * per_page : page * per_page], page, per_page


class StockSite:
    """Catalogues of photos and videos per library; files are served from /files/<name>."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pexels_photos: list[dict[str, Any]] = []
        self.pexels_videos: list[dict[str, Any]] = []
        self.pixabay_photos: list[dict[str, Any]] = []
        self.pixabay_videos: list[dict[str, Any]] = []
        self.files: dict[str, tuple[bytes, str]] = {}

    # ---- catalogue entries, shaped like the real answers ------------------------------------
    def photo_file(self, name: str, width: int, height: int, **kwargs: Any) -> str:
        self.files[f"/files/{name}"] = (png_bytes(width, height, **kwargs), "image/png")
        return f"{self.url}/files/{name}"

    def video_file(self, name: str, width: int = 1280, height: int = 720) -> str:
        self.files[f"/files/{name}"] = (mp4_bytes(width, height), "video/mp4")
        return f"{self.url}/files/{name}"

    def pexels_photo(
        self,
        id: int,
        *,
        width: int = 1920,
        height: int = 1080,
        alt: str = "a photo",
        photographer: str = "Ana Lens",
        file: str | None = None,
    ) -> dict[str, Any]:
        link = file or f"{self.url}/files/missing-{id}.jpeg"
        return {
            "id": id,
            "width": width,
            "height": height,
            "url": f"https://www.pexels.com/photo/{id}/",
            "photographer": photographer,
            "photographer_url": "https://www.pexels.com/@ana",
            "photographer_id": 7,
            "avg_color": "#7E7F7B",
            "alt": alt,
            "liked": False,
            "src": {
                "original": link,
                "large2x": link + "?auto=compress&cs=tinysrgb&dpr=2&h=650&w=940",
                "large": link + "?h=650&w=940",
                "medium": link + "?h=350",
                "small": link + "?h=130",
                "portrait": link + "?fit=crop&h=1200&w=800",
                "landscape": link + "?fit=crop&h=627&w=1200",
                "tiny": link + "?h=200&w=280",
            },
        }

    def pexels_video(
        self, id: int, *, link: str, width: int = 1280, height: int = 720, user: str = "Rui Frames"
    ) -> dict[str, Any]:
        return {
            "id": id,
            "width": width,
            "height": height,
            "duration": 8,
            "full_res": None,
            "tags": [],
            "url": f"https://www.pexels.com/video/{id}/",
            "image": f"{self.url}/files/poster-{id}.jpg",
            "user": {"id": 3, "name": user, "url": "https://www.pexels.com/@rui"},
            "video_files": [
                {
                    "id": 1,
                    "quality": "sd",
                    "file_type": "video/mp4",
                    "width": 640,
                    "height": 360,
                    "fps": 25,
                    "link": f"{self.url}/files/too-small-{id}.mp4",
                },
                {
                    "id": 2,
                    "quality": "hd",
                    "file_type": "video/mp4",
                    "width": width,
                    "height": height,
                    "fps": 25,
                    "link": link,
                },
            ],
            "video_pictures": [{"id": 1, "picture": f"{self.url}/files/poster-{id}.jpg", "nr": 0}],
        }

    def pixabay_photo(
        self,
        id: int,
        *,
        width: int = 3000,
        height: int = 2000,
        tags: str = "nature, tree",
        user: str = "Mira",
        file: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        link = file or f"{self.url}/files/missing-{id}.jpg"
        return {
            "id": id,
            "pageURL": f"https://pixabay.com/photos/tree-{id}/",
            "type": "photo",
            "tags": tags,
            "previewURL": link + "?150",
            "previewWidth": 150,
            "previewHeight": 100,
            "webformatURL": link + "?640",
            "webformatWidth": 640,
            "webformatHeight": 427,
            "largeImageURL": link,
            "imageWidth": width,
            "imageHeight": height,
            "imageSize": 2614471,
            "views": 5,
            "downloads": 2,
            "collections": 1,
            "likes": 3,
            "comments": 0,
            "user_id": 9,
            "user": user,
            "userImageURL": "",
            **extra,
        }

    def pixabay_video(self, id: int, *, link: str, tags: str = "river, water", user: str = "Ola") -> dict[str, Any]:
        def size(w: int, h: int, url: str) -> dict[str, Any]:
            return {"url": url, "width": w, "height": h, "size": 1000, "thumbnail": url + ".jpg"}

        return {
            "id": id,
            "pageURL": f"https://pixabay.com/videos/id-{id}/",
            "type": "film",
            "tags": tags,
            "duration": 12,
            "views": 1,
            "downloads": 1,
            "likes": 1,
            "comments": 0,
            "user_id": 4,
            "user": user,
            "userImageURL": "",
            "videos": {
                "large": size(3840, 2160, f"{self.url}/files/huge-{id}.mp4"),
                "medium": size(2560, 1440, f"{self.url}/files/big-{id}.mp4"),
                "small": size(1280, 720, link),
                "tiny": size(640, 360, f"{self.url}/files/tiny-{id}.mp4"),
            },
        }

    # ---- the wire -------------------------------------------------------------------------
    def handler(self, key: str) -> Handler:
        def handle(request: Recorded) -> Reply:
            route = request.route
            if route in ("/v1/search", "/v1/videos/search", "/videos/search"):
                if request.header("Authorization") != key:
                    return Reply.error(401, "invalid api key")
                items = self.pexels_photos if route == "/v1/search" else self.pexels_videos
                page_items, page, per_page = _page(items, request, 15)
                field = "photos" if route == "/v1/search" else "videos"
                answer: dict[str, Any] = {
                    "page": page,
                    "per_page": per_page,
                    field: page_items,
                    "total_results": len(items),
                }
                if page * per_page < len(items):
                    answer["next_page"] = f"https://api.pexels.com{route}/?page={page + 1}&per_page={per_page}"
                return Reply.json(answer, headers={"X-Ratelimit-Limit": "20000", "X-Ratelimit-Remaining": "19999"})
            if route in ("/api/", "/api/videos/"):
                if request.query.get("key") != [key]:
                    return Reply(status=400, body=b"[ERROR 400] Invalid or missing API key.", content_type="text/plain")
                items = self.pixabay_photos if route == "/api/" else self.pixabay_videos
                page_items, _, _ = _page(items, request, 20)
                return Reply.json({"total": len(items), "totalHits": len(items), "hits": page_items})
            if route.startswith("/redirect/"):
                return Reply.redirect(f"{self.url}/files/{route.removeprefix('/redirect/')}")
            if route in self.files:
                body, kind = self.files[route]
                return Reply.raw(body, kind)
            return Reply.error(404, "no such route")

        return handle
