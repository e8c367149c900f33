"""The image capability: one picture per scene, all in the video's locked style."""

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from notes_pipeline.domain.models import ImageRequest, VisualKind


class NoPicture(Exception):
    """A source has nothing for this scene (no figure in the notes, no diagram that fits): not a failure.

    The chain moves on to the next source without counting a fallback or logging a warning.
    """


class ImageSource(Protocol):
    name: str

    def render(self, request: ImageRequest) -> bytes:
        """Return a PNG of exactly request.style.width x request.style.height pixels."""
        ...

    def identity(self) -> str:
        """A string that changes whenever the same request would give a different picture."""
        ...


class ImageResult(BaseModel):
    """A scene's picture and how it was obtained: what the stage records beside the image."""

    model_config = ConfigDict(frozen=True)

    png: bytes = Field(repr=False)
    provider: str
    attempts: int = Field(1, ge=0, description="Provider calls made for this picture, failed ones included.")
    latency_s: float = 0.0
    fallbacks: list[str] = Field(default_factory=list, description="Sources that failed before `provider`, in order.")
    failures: list[str] = Field(default_factory=list, description="Why each fallback happened (secrets redacted).")
    source_url: str | None = Field(None, description="For web images: the page the picture comes from.")
    attribution: str | None = Field(None, description="For web images: title and site, for the credits.")
    source: dict[str, str | int] = Field(default_factory=dict, description="Search metadata kept with the image.")
    visual_kind: VisualKind = Field("card", description="What the picture is; 'card' is the text card.")
    licence: str | None = Field(None, description="Stock and web pictures: the licence they are used under.")
    clip: bytes | None = Field(
        None, repr=False, description="A muted MP4 for the scene's background; `png` is then its poster frame."
    )
    alternatives: list["ImageResult"] = Field(
        default_factory=list, description="Other good results, best first: kept as candidates with review."
    )


class ReportingImageSource(ImageSource, Protocol):
    """An image source that also says which provider served, after how many attempts."""

    def render_with_report(self, request: ImageRequest) -> ImageResult: ...
