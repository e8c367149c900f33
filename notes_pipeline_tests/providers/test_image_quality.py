"""The quality gate: blank, black, white, static and tiny pictures are refused; real-looking ones pass."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from notes_pipeline.domain.image_quality import LowQualityImageError, QualityGate
from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import style_lock
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline_tests.providers.stubs import png_bytes

RNG = np.random.default_rng(42)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _scenery(width=1024, height=576) -> Image.Image:
    """A stand-in for a photograph: shapes with soft edges, shading and sensor grain."""
    image = Image.new("RGB", (width, height), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 0.6, width, height], fill=(60, 110, 50))
    draw.ellipse([width * 0.7, height * 0.1, width * 0.85, height * 0.35], fill=(250, 220, 120))
    for i in range(12):
        x = RNG.uniform(0, width)
        draw.polygon([(x, height * 0.6), (x + 60, height * 0.3), (x + 120, height * 0.6)], fill=(40, 70 + i * 5, 40))
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(2)), dtype=np.float64)
    pixels += RNG.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _slide() -> Image.Image:
    scene = Scene(
        index=2,
        heading="How a cell turns light into current",
        narration="x",
        bullets=["Photons knock electrons loose", "A field pushes them one way"],
    )
    request = ImageRequest(
        scene=scene, title="Solar", scene_count=5, language="en", style=style_lock("Solar", "clean", 1280, 720)
    )
    return _open(SlideRenderer().render(request))


GOOD = {
    "gradient with shapes": lambda: _open(png_bytes(1024, 576)),
    "scenery with grain": _scenery,
    "slide": _slide,
    "dark but detailed": lambda: Image.eval(_scenery(), lambda v: v // 4),
}
BAD = {
    "black": (lambda: Image.new("RGB", (1024, 576), (2, 2, 2)), "blank: almost entirely black"),
    "white": (lambda: Image.new("RGB", (1024, 576), (253, 253, 253)), "blank: almost entirely white"),
    "flat grey": (lambda: Image.new("RGB", (1024, 576), (128, 128, 128)), "one flat tone"),
    "faint dither": (
        lambda: Image.fromarray(np.clip(128 + RNG.normal(0, 2, (576, 1024, 3)), 0, 255).astype(np.uint8)),
        "blank",
    ),
    "black with a tiny logo": (lambda: _with_box(Image.new("RGB", (1024, 576)), 90), "blank: almost entirely black"),
    "static": (lambda: Image.fromarray(RNG.integers(0, 256, (576, 1024, 3), dtype=np.uint8)), "noise"),
    "grey static": (lambda: Image.fromarray(RNG.integers(0, 256, (576, 1024), dtype=np.uint8)), "noise"),
    "blocky static": (
        lambda: Image.fromarray(RNG.integers(0, 256, (36, 64, 3), dtype=np.uint8)).resize(
            (1024, 576), Image.Resampling.NEAREST
        ),
        "noise",
    ),
    "thumbnail": (lambda: _scenery(200, 120), r"too small \(200x120"),
}


def _with_box(image: Image.Image, side: int) -> Image.Image:
    ImageDraw.Draw(image).rectangle([400, 250, 400 + side, 250 + side // 2], fill=(255, 255, 255))
    return image


@pytest.mark.parametrize("name", GOOD)
def test_usable_pictures_pass(name):
    assert QualityGate().problems(GOOD[name]()) == []


@pytest.mark.parametrize("name", BAD)
def test_unusable_pictures_are_refused_with_the_reason(name):
    make, reason = BAD[name]
    with pytest.raises(LowQualityImageError, match=reason):
        QualityGate().check(make(), source="stub")


def test_minimum_size_is_configurable():
    assert QualityGate(min_width=800, min_height=450).problems(_scenery(640, 480))[0].startswith("too small")
    assert QualityGate(min_width=600, min_height=400).problems(_scenery(640, 480)) == []
