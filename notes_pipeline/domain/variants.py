"""Render variants: the same approved script rendered in another language, format, resolution or voice.

A variant is a set of overrides of the document's own options. Its id is readable and
stable ('hi-9x16-480p'), so its files sit side by side with the document's own render
and two requests for the same variant find the same files.
"""

from __future__ import annotations

import re

from pydantic import Field

from notes_pipeline.domain.models import RESOLUTIONS, AspectRatio, RenderOptions, _Frozen

_SLUG = re.compile(r"[^a-z0-9]+")
_ASPECT_RATIOS = ", ".join(f"'{a.value}'" for a in list(AspectRatio)[:-1]) + f" or '{list(AspectRatio)[-1].value}'"
_RESOLUTIONS = ", ".join(map(str, RESOLUTIONS[:-1])) + f" or {RESOLUTIONS[-1]}"


class RenderVariant(_Frozen):
    """Overrides of a document's options; an empty variant is the document's own render."""

    # The one list of a variant's fields: the run config of `approved_script` and `notes-pipeline render` follow it.
    language: str | None = Field(
        None, pattern=r"^[a-z]{2,3}$", description="e.g. 'hi': narration in this language (translated with Gemini)"
    )
    aspect_ratio: AspectRatio | None = Field(None, description=_ASPECT_RATIOS)
    resolution: int | None = Field(None, description=_RESOLUTIONS)
    voice: str | None = Field(None, min_length=1, max_length=60, description="a voice name of the narration provider")

    def is_empty(self) -> bool:
        return not self.overrides()

    def overrides(self) -> dict[str, object]:
        """The fields set, by name (an aspect ratio as its value, '9:16'): a run config of the variant."""
        return self.model_dump(mode="json", exclude_none=True)

    def apply(self, options: RenderOptions, language: str) -> tuple[RenderOptions, str]:
        """(options, language) of the render: the document's, with this variant's overrides.

        Options are validated again, so a resolution the renderer does not offer fails here.
        """
        update = self.model_dump(exclude_none=True, exclude={"language"})
        target = self.language or language
        if target != language:
            update["language"] = target
        merged = RenderOptions.model_validate({**options.model_dump(), **update})
        return merged, target

    def variant_id(self, options: RenderOptions, language: str) -> str | None:
        """None when the overrides change nothing; else '<lang>-<aspect>-<res>p[-<voice>]'."""
        merged, target = self.apply(options, language)
        if (merged.aspect_ratio, merged.resolution, merged.voice, target) == (
            options.aspect_ratio,
            options.resolution,
            options.voice,
            language,
        ):
            return None
        parts = [target, merged.aspect_ratio.value.replace(":", "x"), f"{merged.resolution}p"]
        if merged.voice and merged.voice != options.voice:
            parts.append(_SLUG.sub("-", merged.voice.lower()).strip("-")[:30])
        return "-".join(parts)
