"""Pictures a person supplied for a scene (`notes-pipeline edit --image FILE`), in front of any image source.

A scene with `user_image` gets that picture fitted to the frame, recorded as provider
'user' with no provider call; every other scene goes to the wrapped source unchanged.
A picture picked among a scene's review candidates (`edit --pick`) keeps what it is: its
provider, licence, attribution and clip come from the record stored beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from notes_pipeline.domain.models import ImageCandidate, ImageRequest
from notes_pipeline.providers.images.base import ImageResult, ImageSource
from notes_pipeline.providers.images.frames import decode_image, to_frame_png
from notes_pipeline.store.keys import candidate_record

USER = "user"


def read_candidate(read: Callable[[str], bytes], image_key: str) -> ImageCandidate | None:
    """What a picked candidate is, from the record beside it; None for a key that is not a candidate's."""
    record = candidate_record(image_key)
    return ImageCandidate.model_validate_json(read(record)) if record else None


class UserImages:
    def __init__(self, inner: ImageSource, read: Callable[[str], bytes]) -> None:
        self.inner, self.read = inner, read
        self.name = inner.name

    def identity(self) -> str:
        # A supplied picture is named by its content hash inside the request, so the inner identity suffices.
        return self.inner.identity()

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        key = request.scene.user_image
        if key is None:
            reporting = getattr(self.inner, "render_with_report", None)
            return (
                reporting(request)
                if reporting
                else ImageResult(png=self.inner.render(request), provider=self.inner.name)
            )
        started = time.perf_counter()
        image = decode_image(self.read(key), source=USER)
        png = to_frame_png(image, request.style.width, request.style.height)
        picked = read_candidate(self.read, key)
        if picked is not None:
            return ImageResult(
                png=png,
                provider=picked.provider,
                attempts=0,
                visual_kind=picked.visual_kind,
                source_url=picked.source_url,
                attribution=picked.attribution,
                licence=picked.licence,
                clip=self.read(picked.clip_key) if picked.clip_key else None,
                latency_s=time.perf_counter() - started,
            )
        return ImageResult(
            png=png, provider=USER, attempts=0, visual_kind="user", latency_s=time.perf_counter() - started
        )
