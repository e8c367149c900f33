"""Short LaTeX and code said in words; anything longer or unknown is left to the slide (None)."""

from __future__ import annotations

import pytest

from notes_pipeline.domain.speaking_rate import espeak_rate
from notes_pipeline.domain.speech import markup_in
from notes_pipeline.domain.spoken_formula import spoken_code, spoken_formula
from notes_pipeline.providers.tts.espeak import EspeakNarrator


@pytest.mark.parametrize(
    "latex, words",
    [
        ("x^2", "x squared"),
        ("a^3 + b^{-1}", "a cubed plus b inverse"),
        (r"\frac{a}{b}", "a over b"),
        (r"\sqrt{x^2+y^2}", "the square root of x squared plus y squared"),
        (r"\hat{y}_i = \mathbf{w}^\top \mathbf{x}_i + b", "y hat sub i equals w transposed x sub i plus b"),
        (r"P(y \mid x)", "P of y given x"),
        (r"\sum_{i=1}^n x_i", "the sum from i equals 1 to n of x sub i"),
        (r"\int_{-\infty}^\infty f(x) dx", "the integral from minus infinity to infinity of f of x d x"),
        (r"e^{i\pi} = -1", "e to the power i pi equals minus 1"),
        (r"\theta \le 10^{-3}", "theta is at most 10 to the power minus 3"),
    ],
)
def test_short_formulas_are_said_in_words(latex, words):
    assert spoken_formula(latex) == words
    assert markup_in(words) == []


@pytest.mark.parametrize(
    "latex",
    [
        r"\begin{aligned} a &= b \\ &= c \end{aligned}",
        r"\frac{1}{n-1} \sum_{i=1}^n (x_i - \bar{x})^2",  # more than a listener can hold: shown
        r"\mathfrak{g} \otimes V",  # commands we do not know are never guessed at
        r"\left\{ x \right.",
    ],
)
def test_long_or_unknown_formulas_are_left_to_the_slide(latex):
    assert spoken_formula(latex) is None


def test_code_is_said_by_its_symbols_or_parts_only_when_short():
    assert spoken_code("$$") == "two dollar signs" and spoken_code("$") == "dollar sign"
    assert spoken_code("\\$") == "backslash dollar sign"
    assert spoken_code("quartz.config.ts") == "quartz dot config dot ts"
    assert spoken_code("$x^2$") == "x squared"
    assert spoken_code("Plugin.Latex({ renderEngine: 'katex' })") is None
    assert spoken_code("python setup.py install") is None
    assert spoken_code("Path to file.md") == "Path to file dot md"
    assert spoken_code("[[Path to file#Anchor]]") == "Path to file hash Anchor in double square brackets"
    assert spoken_code("![[Path to image]]") == "an exclamation mark and Path to image in double square brackets"


def test_a_formula_said_in_words_is_timed_right():
    sentence = "The energy is " + spoken_formula("E = m c^2") + ", and the force is " + spoken_formula("F = m a") + "."
    real = EspeakNarrator().synthesize(sentence, language="en").duration_s
    assert espeak_rate("en").clip_seconds(sentence) == pytest.approx(real, rel=0.15)
