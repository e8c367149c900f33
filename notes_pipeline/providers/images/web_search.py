"""Web image search (Google Custom Search JSON API) for scenes about real people, places and events.

The search goes through google-api-python-client (`cse().list(searchType="image")`) under
our HTTP policy: the SDK's own retries stay off (`num_retries=0`), and its errors, whose
text includes the request URL with the API key, are turned into our redacted errors.

Results are filtered before anything is fetched: too small, from stock-photo sites (their
pictures carry watermarks), preview/thumbnail/watermark-looking links, and non-raster
types are skipped. The rest are downloaded in the order Google ranked them through
`safe_download` (the URLs come from the open web), decoded, gated and framed; the first
good one wins. Its title, page, site and size are kept for attribution.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httplib2
from googleapiclient.discovery import build

from notes_pipeline.domain.errors import PipelineError
from notes_pipeline.domain.image_quality import LowQualityImageError, QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.google_api import execute
from notes_pipeline.providers.http.breaker import CircuitBreaker
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import HttpError, UnexpectedContentError, UnsafeUrlError
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.base import ImageResult
from notes_pipeline.providers.images.download import safe_download
from notes_pipeline.providers.images.frames import finish_image

DEFAULT_BASE_URL = "https://customsearch.googleapis.com/"
STOCK_SITES = (
    "shutterstock.com",
    "gettyimages.",
    "istockphoto.com",
    "alamy.com",
    "dreamstime.com",
    "depositphotos.com",
    "123rf.com",
    "stock.adobe.com",
    "adobestock.com",
    "bigstockphoto.com",
    "canstockphoto.",
    "vectorstock.com",
    "pond5.com",
    "agefotostock.com",
    "stockphoto.com",
    "fotosearch.com",
    "colourbox.com",
    "photodune.net",
    "superstock.com",
    "masterfile.com",
)
PREVIEW_MARKS = (
    "preview",
    "thumb",
    "watermark",
    "/comp/",
    "_comp",
    "-comp.",
    "stock-photo",
    "stock-image",
    "lowres",
    "low-res",
    "/small/",
    "sample",
)
RASTER_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp")


class NoUsableSearchResultError(PipelineError):
    """The search found nothing that passed the filters, downloads and the quality gate."""


@dataclass(frozen=True)
class SearchHit:
    link: str
    title: str
    display_link: str
    context_link: str
    width: int
    height: int
    mime: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SearchHit:
        image = item.get("image") if isinstance(item.get("image"), dict) else {}
        return cls(
            link=str(item.get("link", "")),
            title=str(item.get("title", ""))[:200],
            display_link=str(item.get("displayLink", "")),
            context_link=str(image.get("contextLink", "")),
            width=int(image.get("width") or 0),
            height=int(image.get("height") or 0),
            mime=str(item.get("mime", "")).lower(),
        )

    def metadata(self) -> dict[str, str | int]:
        return {
            "title": self.title,
            "link": self.link,
            "source_page": self.context_link,
            "display_link": self.display_link,
            "width": self.width,
            "height": self.height,
            "mime": self.mime,
        }


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def skip_reason(hit: SearchHit, *, min_width: int, min_height: int) -> str | None:
    """Why a result is not worth downloading, or None to try it."""
    if not hit.link:
        return "no link"
    if hit.width < min_width or hit.height < min_height:
        return f"too small ({hit.width}x{hit.height})"
    hosts = {_host(hit.link), _host(hit.context_link), hit.display_link.lower()}
    if any(site in host for host in hosts for site in STOCK_SITES):
        return "stock-photo site (watermarked)"
    text = f"{hit.link} {hit.title}".lower()
    if any(mark in text for mark in PREVIEW_MARKS) or "stock photo" in text or "royalty-free" in text:
        return "looks like a preview or watermarked copy"
    if hit.mime and hit.mime not in RASTER_TYPES:
        return f"not a raster image ({hit.mime})"
    return None


class WebImageSearch:
    """Scenes with a search query get a real photograph from the web, with its attribution."""

    name = "web_search"
    needs = (("google_cse_api_key", "google_cse_id"),)

    def __init__(
        self,
        api_key: str,
        engine_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        min_width: int = 800,
        min_height: int = 450,
        max_results: int = 10,
        http: HttpConfig | None = None,
        gate: QualityGate | None = None,
        download_guard: UrlGuard | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._key = api_key
        self.engine_id = engine_id
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.min_width, self.min_height = min_width, min_height
        self.max_results = max(1, min(10, max_results))
        self.gate = gate or QualityGate(min_width=min_width, min_height=min_height)
        self.client = HttpClient(self.name, http, secrets=[api_key, engine_id], sleep=sleep)
        # Downloads hit many unrelated sites: one bad site must not open a circuit for all of
        # them, so they get a breaker of their own, never shared, that only trips on a storm.
        download_config = (http or HttpConfig()).model_copy(update={"max_attempts": 2})
        self.downloads = HttpClient(
            f"{self.name}-downloads",
            download_config,
            url_guard=download_guard or UrlGuard(),
            sleep=sleep,
            breaker=CircuitBreaker(f"{self.name}-downloads", failures=50, cooldown_s=30),
        )
        self._local = threading.local()

    def identity(self) -> str:
        return f"{self.name}:cse v1 min {self.min_width}x{self.min_height}"

    def _service(self) -> Any:
        """One service per thread: httplib2 connections are not thread-safe."""
        service = getattr(self._local, "service", None)
        if service is None:
            config = self.client.config
            http = httplib2.Http(timeout=config.connect_timeout_s + config.read_timeout_s)
            service = build(
                "customsearch",
                "v1",
                developerKey=self._key,
                static_discovery=True,
                http=http,
                cache_discovery=False,
                client_options={"api_endpoint": self.base_url},
            )
            self._local.service = service
        return service

    def search(self, query: str) -> tuple[list[SearchHit], int]:
        """The results Google returned (unfiltered) and the attempts the search took."""

        def attempt() -> dict[str, Any]:
            return execute(
                self._service()
                .cse()
                .list(q=query, cx=self.engine_id, searchType="image", num=self.max_results, safe="active")
            )

        answer, report = self.client.call("GET customsearch/v1", attempt)
        if not isinstance(answer, dict):  # the SDK hands back the raw text when it is not JSON
            raise UnexpectedContentError(
                f"{self.name}: GET customsearch/v1 answered malformed JSON",
                provider=self.name,
                attempts=report.attempts,
                retryable=False,
            )
        items = answer.get("items", [])
        if not isinstance(items, list):
            raise UnexpectedContentError(
                f"{self.name}: the answer has no list of items",
                provider=self.name,
                attempts=report.attempts,
                retryable=False,
            )
        return [SearchHit.from_item(i) for i in items if isinstance(i, dict)], report.attempts

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        query = request.scene.search_query
        if not query:
            raise PipelineError(f"{self.name} serves only scenes with a search query (scene {request.scene.index})")
        started = time.perf_counter()
        hits, attempts = self.search(query)
        rejected: list[str] = []
        for hit in self._candidates(hits, rejected):
            try:
                download = safe_download(hit.link, self.downloads)
                attempts += download.attempts
                png, size = finish_image(
                    download.content, request, source=f"{self.name} ({hit.display_link})", gate=self.gate
                )
            except (HttpError, UnsafeUrlError, LowQualityImageError) as err:
                attempts += getattr(err, "attempts", 0)
                rejected.append(f"{hit.display_link}: {err.cause}")
                continue
            meta = {**hit.metadata(), "width": size[0], "height": size[1]}
            return ImageResult(
                png=png,
                provider=self.name,
                attempts=attempts,
                visual_kind="search",
                latency_s=round(time.perf_counter() - started, 4),
                source_url=hit.context_link or hit.link,
                attribution=f"{hit.title} ({hit.display_link})" if hit.title else hit.display_link,
                source=meta,
            )
        detail = "; ".join(rejected[:5]) or "no results"
        raise NoUsableSearchResultError(
            f"{self.name}: no usable image among {len(hits)} results for scene {request.scene.index} ({detail})"
        )

    def _candidates(self, hits: Iterable[SearchHit], rejected: list[str]) -> Iterable[SearchHit]:
        for hit in hits:
            reason = skip_reason(hit, min_width=self.min_width, min_height=self.min_height)
            if reason:
                rejected.append(f"{hit.display_link or hit.link}: {reason}")
            else:
                yield hit
