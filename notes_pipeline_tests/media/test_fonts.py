"""Every character is drawn by a font that has it: text mixing Latin, Devanagari and Arabic script is
split into runs, each drawn by a font whose cmap holds every character of the run (issue 13).

The burned-in tests hide the machine's own fonts from libass (an empty fontconfig), as on a slim
server: what our fonts lack would then be drawn as tofu, not quietly borrowed from DejaVu.
"""

from pathlib import Path

import av
import ffmpeg
import numpy as np
import pytest
from fontTools.ttLib import TTFont

from notes_pipeline.domain.models import WordTiming
from notes_pipeline.media.composer import RenderSpec, SceneMedia, compose_video
from notes_pipeline.media.ffmpeg import run_ffmpeg
from notes_pipeline.media.fonts import FONTS_DIR, font_runs, missing_glyphs
from notes_pipeline.media.subtitles import Heading, SceneTiming, build_cues, write_ass
from notes_pipeline_tests.media.scenes import frames, still, tone_clip
from notes_pipeline_tests.media.tofu import NO_FONT_HAS_IT, tofu_boxes

MIXED = [
    ("hi", "Hindi हिन्दी with English … and 123"),
    ("ur", "اردو میں English words اور 2024 کے “quotes” — (قوسین)…"),
    ("en", "जल चक्र: the water cycle, 3–5 ‘days’"),  # a Devanagari heading in a note detected as English
    ("en", "Lecture notes: x → 0 ⇒ f(x) ≤ ε ✓ ★"),  # arrows, maths and marks: the symbol fonts' runs
]


def _cmap(path: Path) -> set[int]:
    return set(TTFont(path).getBestCmap())


@pytest.mark.parametrize("role", ["body", "heading", "subtitle"])
@pytest.mark.parametrize(("language", "text"), MIXED, ids=[f"{m[0]}{i}" for i, m in enumerate(MIXED)])
def test_every_run_is_drawn_by_a_font_whose_cmap_has_all_its_characters(language, text, role):
    runs = font_runs(text, role, language=language)
    assert "".join(run.text for run in runs) == text
    for run in runs:
        cmap = _cmap(run.font)
        assert all(ord(ch) in cmap for ch in run.text), (run, [ch for ch in run.text if ord(ch) not in cmap])
    assert len({run.font.name.split("-")[0] for run in runs}) >= 2
    assert missing_glyphs(text, role, language=language) == set()


def test_common_characters_join_the_run_around_them_when_its_font_has_them():
    def names(text: str, language: str) -> list[tuple[str, str]]:
        return [(run.text, run.font.stem) for run in font_runs(text, "body", language=language)]

    assert names("Hindi हिन्दी, English…", "hi") == [
        ("Hindi ", "NotoSans-Regular"),
        ("हिन्दी, ", "NotoSansDevanagari-Regular"),
        ("English…", "NotoSans-Regular"),
    ]
    # Noto Naskh Arabic has digits but no brackets, no quotes and no ellipsis.
    assert names("اور 123 ہیں", "ur") == [("اور 123 ہیں", "NotoNaskhArabic-Regular")]
    assert names("(قوسین)…", "ur") == [
        ("(", "NotoSans-Regular"),
        ("قوسین", "NotoNaskhArabic-Regular"),
        (")…", "NotoSans-Regular"),
    ]
    assert names("2024", "ur") == [("2024", "NotoNaskhArabic-Regular")]
    assert names("2024", "en") == [("2024", "NotoSans-Regular")]
    assert [run.font.stem for run in font_runs("जल", "heading")] == ["NotoSansDevanagari-Bold"]
    # The symbol fonts come last and have one weight: they draw only what the others lack.
    assert names("a → b • ✓", "en") == [
        ("a ", "NotoSans-Regular"),
        ("→ ", "NotoSansMath-Regular"),
        ("b • ", "NotoSans-Regular"),
        ("✓", "NotoSansSymbols2-Regular"),
    ]


def test_missing_glyphs_names_the_characters_no_shipped_font_has():
    assert missing_glyphs(f"a{NO_FONT_HAS_IT}b 😀 क → ≥ ✓", "subtitle") == {NO_FONT_HAS_IT, "😀"}
    assert missing_glyphs("", "body") == set()


@pytest.fixture
def no_system_fonts(tmp_path, monkeypatch) -> None:
    """libass finds only the fonts in FONTS_DIR."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))


def _fill(frame: np.ndarray) -> np.ndarray:
    """Subtitle fill (white, or the highlight's yellow) on a dark or grey picture, without the outline."""
    return (frame[..., 0] > 150) & (frame[..., 1] > 140)


def _burn(tmp_path: Path, language: str, text: str) -> tuple[list[np.ndarray], str]:
    """The text as karaoke subtitles and as the scene's heading over grey, one frame per highlighted word,
    and libass's log."""
    words = [WordTiming(text=w, start_s=0.1 * i, end_s=0.1 * i + 0.08) for i, w in enumerate(text.split())]
    cues = build_cues([SceneTiming(0.0, 0.1 * len(words) + 0.2, words)], max_chars=60)
    seconds = 0.1 * len(words) + 0.2
    ass = write_ass(
        cues,
        tmp_path / "mixed.ass",
        width=1280,
        height=720,
        language=language,
        karaoke=True,
        headings=[Heading(0.0, seconds, text)],
    )
    grey = ffmpeg.input(f"color=c=gray:s=1280x720:r=10:d={seconds:.1f}", f="lavfi")
    out = tmp_path / "mixed.mkv"
    log = run_ffmpeg(
        ffmpeg.output(grey.filter("ass", str(ass), fontsdir=str(FONTS_DIR)), str(out), vcodec="ffv1"),
        what="a mixed-script subtitle test",
        log_level="info",
    )
    with av.open(str(out)) as container:
        decoded = [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]
    return decoded, log


@pytest.mark.usefixtures("no_system_fonts")
@pytest.mark.parametrize(("language", "text"), MIXED, ids=[f"{m[0]}{i}" for i, m in enumerate(MIXED)])
def test_burned_in_mixed_script_subtitles_draw_no_tofu(tmp_path, language, text):
    decoded, log = _burn(tmp_path, language, text)
    assert "not found" not in log, [line for line in log.splitlines() if "not found" in line]
    assert all(_fill(frame[:360]).sum() > 500 and _fill(frame[360:]).sum() > 500 for frame in decoded[3:-3])
    assert [tofu_boxes(_fill(frame)) for frame in decoded] == [0] * len(decoded)


@pytest.mark.usefixtures("no_system_fonts")
def test_the_tofu_check_sees_a_character_no_font_has(tmp_path):
    decoded, log = _burn(tmp_path, "hi", f"हिन्दी {NO_FONT_HAS_IT} text")
    assert "Glyph 0xE000 not found" in log
    assert tofu_boxes(_fill(decoded[3])) == 2  # in the heading and in the subtitle


@pytest.mark.usefixtures("no_system_fonts")
def test_a_composed_hindi_video_with_english_words_has_no_tofu(tmp_path):
    text = "पानी water भाप steam बनकर … 100 ऊपर उठता है"
    timings = [
        WordTiming(text=w, start_s=round(0.1 + i * 0.3, 3), end_s=round(0.34 + i * 0.3, 3))
        for i, w in enumerate(text.split())
    ]
    duration = tone_clip(tmp_path / "voice.wav", timings[-1].end_s + 0.1, tail_s=0.3)
    scene = SceneMedia(still(tmp_path / "dark.png", (30, 30, 40)), tmp_path / "voice.wav", duration, timings)
    composed = compose_video([scene], RenderSpec(854, 480, fps=10, language="hi", effects=False), tmp_path / "out")
    assert not composed.degraded
    checked = [frame for time, frame in frames(composed.video_path) if 0.2 < time < timings[-1].end_s]
    assert checked and all(_fill(frame).sum() > 500 for frame in checked)
    assert [tofu_boxes(_fill(frame)) for frame in checked] == [0] * len(checked)
