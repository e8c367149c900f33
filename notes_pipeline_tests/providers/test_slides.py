import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import contrast_ratio, style_lock
from notes_pipeline.media.fonts import covers, font_file
from notes_pipeline.providers.images.slides import SAFE_MARGIN, SlideRenderer, _kicker


def _request(scene: Scene, width=1280, height=720, language="en", seed="Solar") -> ImageRequest:
    return ImageRequest(scene=scene, title="How solar panels work", scene_count=10, language=language,
                        style=style_lock(seed, "clean", width, height))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def _text_mask(request: ImageRequest) -> np.ndarray:
    """Pixels that change when the slide's words are blanked: exactly the ink of the text."""
    blank = request.model_copy(update={
        "title": " ", "scene": request.scene.model_copy(update={"heading": " ", "bullets": [" "] * len(request.scene.bullets)})})
    renderer = SlideRenderer()
    return np.abs(_pixels(renderer.render(request)) - _pixels(renderer.render(blank))).sum(axis=2) > 30


SCENE = Scene(index=3, heading="How a cell turns light into current", narration="x",
              bullets=["Photons knock electrons loose", "A field pushes them one way", "Contacts collect the current"])
LONG = Scene(index=1, heading="A very long heading " * 6, narration="x", bullets=["long bullet text " * 12] * 6)


@pytest.mark.parametrize("size", [(854, 480), (1280, 720), (1920, 1080), (1080, 1920), (1080, 1080)])
@pytest.mark.parametrize("scene", [SCENE, LONG], ids=["normal", "overlong"])
def test_exact_size_and_text_inside_the_safe_area(size, scene):
    request = _request(scene, *size)
    png = SlideRenderer().render(request)
    assert Image.open(io.BytesIO(png)).size == size
    mask = _text_mask(request)
    ys, xs = np.nonzero(mask)
    assert xs.size > 500
    w, h = size
    assert xs.min() >= w * SAFE_MARGIN - 1 and xs.max() <= w * (1 - SAFE_MARGIN) + 1
    assert ys.min() >= h * SAFE_MARGIN - 1 and ys.max() <= h * 0.80 + 1  # subtitle band stays clear


def _ink(text: str, font_path, layout=ImageFont.Layout.RAQM) -> np.ndarray:
    font = ImageFont.truetype(str(font_path), 48, layout_engine=layout)
    image = Image.new("L", (300, 100))
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=255)
    return np.asarray(image) > 128


def test_hindi_gets_the_devanagari_font_and_real_shaping():
    chosen = font_file("सूरज की गर्मी")
    assert chosen.name == "NotoSansDevanagari-Regular.ttf"
    # Missing glyphs all draw the same box; real glyphs differ.
    assert (_ink("क", chosen) != _ink("ख", chosen)).any()
    assert not (_ink("क", font_file("latin")) != _ink("ख", font_file("latin"))).any()
    # Shaping moves the vowel sign of "कि" before the consonant; unshaped layout does not.
    assert (_ink("कि", chosen) != _ink("कि", chosen, ImageFont.Layout.BASIC)).any()
    scene = Scene(index=2, heading="वाष्पीकरण", narration="x", bullets=["सूरज की गर्मी से पानी भाप बनता है"])
    assert _text_mask(_request(scene, language="hi")).sum() > 2000


def test_urdu_is_right_aligned():
    scene = Scene(index=2, heading="پانی کا چکر", narration="x", bullets=["بادل بنتے ہیں"])
    _, xs = np.nonzero(_text_mask(_request(scene, language="ur")))
    assert xs.mean() > 1280 * 0.55


def test_same_request_same_bytes_and_one_palette_per_video():
    renderer = SlideRenderer()
    assert renderer.render(_request(SCENE)) == renderer.render(_request(SCENE))
    a, b = _pixels(renderer.render(_request(SCENE))), _pixels(renderer.render(_request(LONG)))
    assert (a[2, 640] == b[2, 640]).all()
    other = _pixels(renderer.render(_request(SCENE, seed="Volcanoes")))
    assert not (a[2, 640] == other[2, 640]).all()
    assert a.std() > 10


def test_palettes_are_readable():
    for seed in range(40):
        palette = style_lock(str(seed), "clean", 1280, 720).palette
        assert contrast_ratio(palette.text, palette.background) >= 4.5
        assert contrast_ratio(palette.muted, palette.background) >= 4.5
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


@pytest.mark.parametrize(("title", "expected"), [
    ("How solar panels work", "How solar panels work  ·  3 / 10"),
    ("जल चक्र", "जल चक्र  |  3 / 10"),  # Noto Sans Devanagari has no middle dot
    ("پانی کا چکر", "پانی کا چکر"),  # Noto Naskh Arabic has no Latin digits or slash
])
def test_the_kicker_uses_only_characters_its_font_can_draw(title, expected):
    """Pillow draws a glyph its font lacks as an empty box: the Hindi demo showed one."""
    kicker = _kicker(title, 3, 10)
    assert kicker == expected
    assert covers(font_file(title), kicker)
