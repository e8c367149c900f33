import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from notes_pipeline.domain.models import ImageRequest, Scene
from notes_pipeline.domain.style import contrast_ratio, style_lock
from notes_pipeline.media.fonts import font_file, missing_glyphs
from notes_pipeline.providers.images.slides import SlideRenderer, _kicker
from notes_pipeline.providers.images.text import SAFE_MARGIN
from notes_pipeline_tests.media.tofu import NO_FONT_HAS_IT, tofu_boxes


def _request(scene: Scene, width=1280, height=720, language="en", seed="Solar") -> ImageRequest:
    return ImageRequest(
        scene=scene,
        title="How solar panels work",
        scene_count=10,
        language=language,
        style=style_lock(seed, "clean", width, height),
    )


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def _text_mask(request: ImageRequest) -> np.ndarray:
    """Pixels that change when the slide's words are blanked: exactly the ink of the text."""
    blank = request.model_copy(
        update={
            "title": " ",
            "scene": request.scene.model_copy(update={"heading": " ", "bullets": [" "] * len(request.scene.bullets)}),
        }
    )
    renderer = SlideRenderer()
    return np.abs(_pixels(renderer.render(request)) - _pixels(renderer.render(blank))).sum(axis=2) > 30


SCENE = Scene(
    index=3,
    heading="How a cell turns light into current",
    narration="x",
    bullets=["Photons knock electrons loose", "A field pushes them one way", "Contacts collect the current"],
)
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


@pytest.mark.parametrize(
    ("title", "language"), [("How solar panels work", "en"), ("जल चक्र", "hi"), ("پانی کا چکر", "ur")]
)
def test_the_kicker_is_drawn_in_fonts_that_have_its_characters(title, language):
    """Pillow draws a glyph its font lacks as an empty box: the Hindi demo showed one. Noto Sans
    Devanagari has no middle dot and Noto Naskh Arabic no slash: the run's font draws them."""
    kicker = _kicker(title, 3, 10)
    assert kicker == f"{title}  ·  3 / 10"
    assert missing_glyphs(kicker, "body", language=language) == set()
    scene = Scene(index=3, heading=title, narration="x", bullets=[title])
    assert tofu_boxes(_text_mask(_request(scene, language=language).model_copy(update={"title": title}))) == 0


MIXED = [
    ("hi", "हिन्दी में English …", ["Hindi हिन्दी with English … and 123", "सूरज (sun) की गर्मी — 100%"]),
    ("ur", "اردو میں English", ["اردو میں English words اور 2024 کے “quotes” — (قوسین)…", "پانی H2O ہے"]),
    ("en", "जल चक्र: the water cycle", ["Evaporation (वाष्पीकरण) at 100 °C…", "Rain → runoff ⇒ ≤ 40 mm ✓"]),
]


@pytest.mark.parametrize(("language", "heading", "bullets"), MIXED, ids=[m[0] for m in MIXED])
def test_mixed_script_slides_draw_every_character_in_a_font_that_has_it(language, heading, bullets):
    """Latin words and `…` on Hindi and Urdu slides, Devanagari in an English note's heading: each run
    is drawn by a font whose cmap has it (the renderer's own `font_runs`), and no box is drawn."""
    request = _request(Scene(index=2, heading=heading, narration="x", bullets=bullets), language=language)
    kicker = _kicker(request.title, 2, request.scene_count)
    for text, role in [(heading, "heading"), (kicker, "body"), *((b, "body") for b in bullets)]:
        assert missing_glyphs(text, role, language=language) == set(), text
    mask = _text_mask(request)
    assert mask.sum() > 3000
    assert tofu_boxes(mask) == 0


def test_the_slide_tofu_check_sees_a_character_no_font_has():
    scene = Scene(index=2, heading="Rain", narration="x", bullets=[f"Rain {NO_FONT_HAS_IT} falls"])
    assert tofu_boxes(_text_mask(_request(scene))) == 1


def test_english_words_on_an_urdu_slide_keep_right_to_left_order():
    """Drawn run by run, the English word still sits left of the Urdu word before it, as libass
    and raqm lay the whole line out."""

    def mask(bullet: str) -> np.ndarray:
        return _text_mask(_request(Scene(index=2, heading="پانی", narration="x", bullets=[bullet]), language="ur"))

    urdu, mixed = mask("پانی کا"), mask("پانی کا English 2024")
    rows = np.flatnonzero((urdu != mixed).any(axis=1))  # the bullet's line: heading and kicker are the same
    urdu_columns = np.flatnonzero(urdu[rows[0] : rows[-1] + 1].any(axis=0))
    mixed_columns = np.flatnonzero(mixed[rows[0] : rows[-1] + 1].any(axis=0))
    added = np.setdiff1d(mixed_columns, np.arange(urdu_columns.min() - 2, urdu_columns.max() + 3))
    assert added.size > 50 and added.max() < urdu_columns.min()
