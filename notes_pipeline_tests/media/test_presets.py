"""A draft is the quick look at a render: its file must be smaller than the final one.

Its speed is measured in benchmarks/RESULTS.md, not here."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from notes_pipeline.domain.models import Quality, RenderOptions
from notes_pipeline.media.composer import RenderSpec, compose_video
from notes_pipeline.media.presets import PRESETS
from notes_pipeline_tests.media.scenes import tone_scenes


def _slide(path, seed: int) -> None:
    """A slide-like picture (gradient, shapes, text), like what the pipeline puts on screen."""
    height, width = 720, 1280
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y + seed * 97) % 256], axis=-1).astype(np.uint8)
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    for i in range(12):
        draw.rectangle((60 + i * 90, 120 + (i * seed) % 300, 120 + i * 90, 400), fill=(250, 200 - i * 10, 40))
        draw.text((80, 480 + i * 18), f"Point {i}: the notes say something here", fill=(255, 255, 255))
    image.save(path)


def test_a_draft_file_is_smaller_than_the_final_one(tmp_path):
    scenes = tone_scenes(tmp_path, [2.0, 2.0], size=(1280, 720))
    for i, scene in enumerate(scenes):
        _slide(scene.image_path, i)
    sizes = {}
    for quality in ("draft", "final"):
        composed = compose_video(scenes, RenderSpec(1280, 720, fps=30, quality=quality), tmp_path / quality)
        assert not composed.degraded
        sizes[quality] = composed.video_path.stat().st_size
    assert sizes["draft"] < sizes["final"] * 0.9, sizes


def test_every_quality_the_options_accept_has_its_encode_preset():
    assert set(PRESETS) == set(get_args(Quality))
    for quality in PRESETS:
        assert RenderOptions(quality=quality).quality == quality
    with pytest.raises(ValidationError, match="Input should be 'draft' or 'final'"):
        RenderOptions(quality="lossless")
