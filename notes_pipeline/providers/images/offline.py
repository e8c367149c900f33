"""Offline visuals: a generated diagram or an icon layout for a scene, instead of the text card.

Tried after every online source and before the slide renderer (`ImageChain.trailing`). It needs
no key and no network; it raises NoPicture when no diagram fits the scene (diagram_plans.py), so
the chain goes on to the text card without counting a failure.
"""

from __future__ import annotations

import time

from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.images.base import ImageResult, NoPicture
from notes_pipeline.providers.images.diagram_plans import plan_diagram
from notes_pipeline.providers.images.diagrams import DIAGRAMS_VERSION, draw_diagram
from notes_pipeline.providers.images.icons import ICONS

ICON_LICENCE = "Material Icons, Apache-2.0 (Google)"


class OfflineVisuals:
    """Diagrams of a scene's parts (steps, cycle, comparison, key figure) or an icon beside its points."""

    name = "visuals"

    def identity(self) -> str:
        return f"visuals v{DIAGRAMS_VERSION} icons {len(ICONS)}"

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        started = time.perf_counter()
        plan = plan_diagram(request.scene)
        if plan is None:
            raise NoPicture(f"scene {request.scene.index}: no diagram or icon fits its words")
        png = draw_diagram(plan, request)
        return ImageResult(
            png=png,
            provider=self.name,
            attempts=1,
            visual_kind=plan.visual_kind,
            licence=ICON_LICENCE if plan.kind == "icon" else None,
            source={"diagram": plan.kind, **({"icon": plan.icon} if plan.icon else {})},
            latency_s=round(time.perf_counter() - started, 4),
        )
