"""The image fallback chain: ordered sources, the first good picture wins, a slide always at the end.

For a scene without a search query the chain tries the AI generators in order (e.g.
Cloudflare → Together → Hugging Face); for a scene with one (real people, places, events)
it tries only web image search, never an AI generator. Either way the local slide renderer
comes last, so every scene gets a picture. A source is passed over when it raises: an
HTTP failure after the policy's retries, an open circuit (no call is made), a malformed
answer, a policy refusal, or a picture the quality gate refused (the gate runs inside each
source, on the picture at its own size).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.images.base import ImageResult, ImageSource
from notes_pipeline.providers.images.slides import SlideRenderer

log = logging.getLogger(__name__)


def _render(source: ImageSource, request: ImageRequest) -> ImageResult:
    reporting = getattr(source, "render_with_report", None)
    if reporting is not None:
        return reporting(request)
    started = time.perf_counter()
    png = source.render(request)
    return ImageResult(png=png, provider=source.name, attempts=1, latency_s=round(time.perf_counter() - started, 4))


class ImageChain:
    """An ImageSource made of others; `render_with_report` says who served and who failed first."""

    name = "chain"

    def __init__(self, generators: Sequence[ImageSource] = (), *, search: ImageSource | None = None,
                 last_resort: ImageSource | None = None) -> None:
        self.generators = list(generators)
        self.search = search
        self.last_resort = last_resort or SlideRenderer()

    def identity(self) -> str:
        parts = [s.identity() for s in self.generators]
        searched = self.search.identity() if self.search else "none"
        return f"chain[{' > '.join(parts)} | search {searched} | last {self.last_resort.identity()}]"

    def sources_for(self, request: ImageRequest) -> list[ImageSource]:
        """The order for this scene: search-only for real subjects, generators otherwise; slides last."""
        if request.scene.search_query:
            first = [self.search] if self.search else []
        else:
            first = list(self.generators)
        return [*first, self.last_resort]

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        started = time.perf_counter()
        fallbacks: list[str] = []
        failures: list[str] = []
        attempts = 0
        sources = self.sources_for(request)
        for position, source in enumerate(sources):
            try:
                result = _render(source, request)
            except Exception as err:
                if position == len(sources) - 1:
                    raise
                attempts += int(getattr(err, "attempts", 1))
                fallbacks.append(source.name)
                failures.append(f"{source.name}: {err}")
                log.warning("scene %d: image source %s failed, trying %s: %s", request.scene.index, source.name,
                            sources[position + 1].name, err)
                continue
            return result.model_copy(update={
                "attempts": attempts + result.attempts, "fallbacks": fallbacks, "failures": failures,
                "latency_s": round(time.perf_counter() - started, 4)})
        raise AssertionError("unreachable: the chain always has a last resort")
