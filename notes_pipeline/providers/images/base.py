"""The image capability: one picture per scene, all in the video's locked style."""

from typing import Protocol

from notes_pipeline.domain.models import ImageRequest


class ImageSource(Protocol):
    name: str

    def render(self, request: ImageRequest) -> bytes:
        """Return a PNG of exactly request.style.width x request.style.height pixels."""
        ...

    def identity(self) -> str:
        """A string that changes whenever the same request would give a different picture."""
        ...
