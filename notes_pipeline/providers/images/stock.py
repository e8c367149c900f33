"""What every stock library (Pexels, Pixabay) shares: choosing results, fetching them, and credits.

A library answers a search with photos or videos (`StockHit`s). Before anything is fetched,
a hit is skipped when it is too small for the frame (it would have to be enlarged more than
1/min_scale times to cover it), when it looks watermarked or premium (neither API has such
a flag, so its tags and URLs are read), or when it has nothing to download. The rest are
fetched in the library's order through the SSRF-safe fetch (their URLs come from an answer,
not from our config) with a size cap; photos are decoded, gated and cover-cropped to the
frame; videos are muted and their poster frame becomes the scene's still (the composer
shows the clip itself). The first good one is the scene's picture; with review the next
ones are kept as alternatives for `notes-pipeline edit --pick`.

Every result carries the library's licence and its attribution (author and page), which the
scene image and provenance.json keep.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.image_quality import LowQualityImageError, QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.media.clips import muted_clip, poster_frame
from notes_pipeline.media.ffmpeg import MediaError
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.breaker import CircuitBreaker
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.download import safe_fetch
from notes_pipeline.providers.http.errors import HttpError, UnsafeUrlError
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.base import ImageResult, NoPicture
from notes_pipeline.providers.images.download import safe_download
from notes_pipeline.providers.images.frames import finish_image, to_frame_png
from notes_pipeline.providers.images.prompting import visual_query

Media = Literal["photos", "videos"]
# Words in a result's tags or URLs that mean it is not a clean, free picture.
UNCLEAN_MARKS = ("watermark", "premium", "istock", "shutterstock", "getty", "sponsored")
VERSION = "1"  # part of every library's identity: a new choosing rule means new pictures
POSTER_AT_S = 0.5  # past a fade-in from black at the very start of a stock clip


class NoUsableStockResultError(PipelineError):
    """The library found results, but none passed the filters, the downloads and the quality gate."""

    def __init__(self, cause: str, *, attempts: int) -> None:
        super().__init__(cause)
        self.attempts = attempts  # searches and downloads made: what the chain counts for this fallback


@dataclass(frozen=True)
class StockHit:
    """One search result, in the terms every library shares."""

    media: Media
    id: str
    width: int  # of the file that would be downloaded, not of the original
    height: int
    url: str  # what is downloaded: a photo, or the chosen MP4 file of a video
    page_url: str  # the result's page on the library's site: the attribution link
    author: str
    tags: str = ""
    duration_s: float | None = None
    premium: bool = False

    def metadata(self) -> dict[str, str | int]:
        meta: dict[str, str | int] = {
            "id": self.id,
            "media": self.media,
            "width": self.width,
            "height": self.height,
            "page": self.page_url,
            "author": self.author,
        }
        if self.duration_s is not None:
            meta["duration_ms"] = round(self.duration_s * 1000)
        return meta


@dataclass(frozen=True)
class SearchPage:
    hits: list[StockHit]
    more: bool  # another page exists
    attempts: int


def cover_scale(width: int, height: int, frame: tuple[int, int]) -> float:
    """How much a width x height picture must be enlarged to cover the frame (<= 1: it is big enough)."""
    if width <= 0 or height <= 0:
        return float("inf")
    return max(frame[0] / width, frame[1] / height)


def skip_reason(hit: StockHit, frame: tuple[int, int], *, min_scale: float) -> str | None:
    """Why a result is not worth downloading, or None to try it."""
    if not hit.url:
        return "nothing to download"
    if hit.premium:
        return "premium (not free to use)"
    text = f"{hit.tags} {hit.url} {hit.page_url}".lower()
    mark = next((m for m in UNCLEAN_MARKS if m in text), None)
    if mark:
        return f"looks watermarked or paid ('{mark}')"
    if cover_scale(hit.width, hit.height, frame) > 1 / min_scale:
        return f"too small ({hit.width}x{hit.height} for a {frame[0]}x{frame[1]} frame)"
    return None


def best_file(files: Iterable[tuple[int, int, str]], frame: tuple[int, int]) -> tuple[int, int, str] | None:
    """Of a video's (width, height, url) files, the smallest that covers the frame, else the largest."""
    usable = [f for f in files if f[2] and f[0] > 0 and f[1] > 0]
    if not usable:
        return None
    covering = [f for f in usable if cover_scale(f[0], f[1], frame) <= 1]
    if covering:
        return min(covering, key=lambda f: f[0] * f[1])
    return max(usable, key=lambda f: f[0] * f[1])


class StockLibrary:
    """A stock library as an image source; subclasses say how to search it and what its hits look like.

    media: what to search, in order ("photos", "videos"); the next kind is searched only when the
        first gave fewer good results than wanted.
    min_scale: a result must cover the frame when enlarged at most 1/min_scale times.
    per_page, max_pages: how many results one search asks for, and how many pages are read at most.
    max_clip_bytes: the size cap of one downloaded clip.
    """

    name = "stock"
    licence = ""
    site = ""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        media: Sequence[Media] = ("photos",),
        min_scale: float = 0.75,
        per_page: int = 15,
        max_pages: int = 2,
        max_clip_bytes: int = 60_000_000,
        http: HttpConfig | None = None,
        download_guard: UrlGuard | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self.media: tuple[Media, ...] = tuple(media) or ("photos",)
        self.min_scale = min_scale
        self.per_page, self.max_pages = per_page, max(1, max_pages)
        self.max_clip_bytes = max_clip_bytes
        self.client = HttpClient(self.name, http, secrets=[api_key], sleep=sleep)
        # Downloads come from the library's CDN, whose URLs arrive in an answer: guarded, with a breaker of
        # their own so one bad file does not open the search's circuit.
        download_config = (http or HttpConfig()).model_copy(update={"max_attempts": 2})
        self.downloads = HttpClient(
            f"{self.name}-downloads",
            download_config,
            url_guard=download_guard or UrlGuard(),
            sleep=sleep,
            breaker=CircuitBreaker(f"{self.name}-downloads", failures=20, cooldown_s=30),
        )

    # ---- what a library implements ---------------------------------------------------------
    def search(self, media: Media, query: str, page: int, request: ImageRequest) -> SearchPage:
        raise NotImplementedError

    def attribution(self, hit: StockHit) -> str:
        what = "Video" if hit.media == "videos" else "Photo"
        return f"{what} by {hit.author or 'unknown'} on {self.site}"

    # ---- the image source ---------------------------------------------------------------------
    def identity(self) -> str:
        return (
            f"{self.name}:v{VERSION} {'+'.join(self.media)} scale {self.min_scale} pages {self.max_pages}"
            f"x{self.per_page}"
        )

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        started = time.perf_counter()
        query = visual_query(request.scene)
        frame = (request.style.width, request.style.height)
        wanted = request.candidates
        found: list[ImageResult] = []
        rejected: list[str] = []
        attempts = hits_seen = 0
        for media in self.media:
            for page in range(1, self.max_pages + 1):
                result = self.search(media, query, page, request)
                attempts += result.attempts
                hits_seen += len(result.hits)
                for hit in result.hits:
                    if len(found) >= wanted:
                        break
                    reason = skip_reason(hit, frame, min_scale=self.min_scale)
                    if reason:
                        rejected.append(f"{hit.media} {hit.id}: {reason}")
                        continue
                    try:
                        picture = self.fetch(hit, request)
                    except (HttpError, UnsafeUrlError, LowQualityImageError, MediaError) as err:
                        attempts += getattr(err, "attempts", 0)
                        rejected.append(f"{hit.media} {hit.id}: {err.cause}")
                        continue
                    attempts += picture.attempts
                    found.append(picture)
                if len(found) >= wanted or not result.more:
                    break
            if len(found) >= wanted:
                break
        if not found:
            if not hits_seen:
                raise NoPicture(f"{self.name}: nothing found for {query!r}")
            detail = "; ".join(rejected[:5])
            raise NoUsableStockResultError(
                f"{self.name}: no usable result among {hits_seen} for scene "
                f"{request.scene.index} ({query!r}: {detail})",
                attempts=attempts,
            )
        first, *others = found
        return first.model_copy(
            update={"attempts": attempts, "alternatives": others, "latency_s": round(time.perf_counter() - started, 4)}
        )

    def fetch(self, hit: StockHit, request: ImageRequest) -> ImageResult:
        """One result as a scene picture (a photo framed; a video muted with its poster framed)."""
        frame = (request.style.width, request.style.height)
        min_side = (max(1, int(frame[0] * self.min_scale)), max(1, int(frame[1] * self.min_scale)))
        gate = QualityGate(min_width=min_side[0], min_height=min_side[1])  # the answer's sizes are checked again
        source = f"{self.name} {hit.media[:-1]} {hit.id}"
        started = time.perf_counter()
        clip: bytes | None = None
        if hit.media == "videos":
            response, _, fetched = safe_fetch(
                hit.url, self.downloads, accept=("video/",), max_bytes=self.max_clip_bytes
            )
            clip = muted_clip(response.content, what=source)
            poster = poster_frame(clip, name=source, at_s=POSTER_AT_S)
            gate.check(poster, source=source)
            png, size = to_frame_png(poster, *frame), poster.size
        else:
            download = safe_download(hit.url, self.downloads)
            fetched = download.attempts
            png, size = finish_image(download.content, request, source=source, gate=gate)
        return ImageResult(
            png=png,
            clip=clip,
            provider=self.name,
            attempts=fetched,
            visual_kind="stock",
            latency_s=round(time.perf_counter() - started, 4),
            source_url=hit.page_url,
            attribution=self.attribution(hit),
            licence=self.licence,
            source={**hit.metadata(), "frame_width": size[0], "frame_height": size[1]},
        )
