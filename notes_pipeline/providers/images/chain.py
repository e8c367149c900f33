"""The image fallback chain: ordered sources, the first good picture wins, a slide always at the end.

Sources in `leading` (the scene's own material from the notes) are tried first. Then, for a
scene without a search query, stock libraries and the AI generators in order (e.g. Pexels →
Cloudflare → Together); for a scene with one (real people, places, events) web image search
and stock, never an AI generator. Then the offline visuals in `trailing` (diagrams, icons),
and the local slide renderer last, so every scene gets a picture. A source that has nothing
for the scene raises `NoPicture` and is passed over quietly. A source is passed over when it raises: an
HTTP failure after the policy's retries, an open circuit (no call is made), a malformed
answer, a policy refusal, or a picture the quality gate refused (the gate runs inside each
source, on the picture at its own size).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.domain.policy import allows_ai_imagery
from notes_pipeline.providers.images.base import ImageResult, ImageSource, NoPicture
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.limits import SlotLimiter, slot

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

    def __init__(
        self,
        generators: Sequence[ImageSource] = (),
        *,
        search: ImageSource | None = None,
        stock: Sequence[ImageSource] = (),
        leading: Sequence[ImageSource] = (),
        trailing: Sequence[ImageSource] = (),
        last_resort: ImageSource | None = None,
        slots: SlotLimiter | None = None,
    ) -> None:
        self.generators = list(generators)
        self.search = search
        self.stock = list(stock)
        self.leading = list(leading)
        self.trailing = list(trailing)
        self.last_resort = last_resort or SlideRenderer()
        self.slots = slots  # each call holds one of its provider's slots (providers.yaml `concurrency`)

    def identity(self) -> str:
        def names(sources: list[ImageSource]) -> str:
            return " > ".join(s.identity() for s in sources) or "none"

        searched = self.search.identity() if self.search else "none"
        return (
            f"chain[{names(self.leading)} | {names(self.stock)} | {names(self.generators)} | search {searched}"
            f" | {names(self.trailing)} | last {self.last_resort.identity()}]"
        )

    def sources_for(self, request: ImageRequest) -> list[ImageSource]:
        """The order for this scene: the notes' own material, then search and stock for real subjects or
        stock and generators otherwise, then offline visuals; slides last."""
        if request.scene.search_query:
            middle = [*([self.search] if self.search else []), *self.stock]
        else:
            middle = [*self.stock, *self.generators]
        ordered = [*self.leading, *middle, *self.trailing]
        if not allows_ai_imagery(request.scene):  # the public-figure policy: no AI-made faces or clips
            ordered = [s for s in ordered if not getattr(s, "ai_generated", False)]
        return [*ordered, self.last_resort]

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
                with slot(self.slots, source.name):
                    result = _render(source, request)
            except NoPicture:
                continue
            except Exception as err:
                if position == len(sources) - 1:
                    raise
                attempts += int(getattr(err, "attempts", 1))
                fallbacks.append(source.name)
                failures.append(f"{source.name}: {err}")
                log.warning(
                    "scene %d: image source %s failed, trying %s: %s",
                    request.scene.index,
                    source.name,
                    sources[position + 1].name,
                    err,
                )
                continue
            return result.model_copy(
                update={
                    "attempts": attempts + result.attempts,
                    "fallbacks": fallbacks,
                    "failures": failures,
                    "latency_s": round(time.perf_counter() - started, 4),
                }
            )
        raise AssertionError("unreachable: the chain always has a last resort")
