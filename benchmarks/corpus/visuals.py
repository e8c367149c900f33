"""How much of a video is more than a text card: the share of its scenes whose picture is a figure,
code, table, formula, stock or generated picture, a diagram or an icon (`SceneImage.visual_kind`)."""

from __future__ import annotations

from notes_pipeline.domain.models import ImagesManifest


def visual_share(images: ImagesManifest) -> float | None:
    """Scenes whose visual is not the text card, over all scenes (None for a video without scenes)."""
    if not images.images:
        return None
    return sum(image.visual_kind != "card" for image in images.images) / len(images.images)
