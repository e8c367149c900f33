"""The speaking-rate model against real eSpeak NG synthesis, and the offline writer held to its target by it."""

from __future__ import annotations

import pytest

from notes_pipeline.domain.documents import parse_document
from notes_pipeline.domain.speaking_rate import counts, espeak_rate, number_words, word_syllables
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline_tests.conftest import EXAMPLES

BIOGRAPHY = """# Ada Byron

## Early life
Ada Byron was born on 10 December 1815 in London. Her mother, Anne Isabella Milbanke, had her tutored in
mathematics from the age of 4. In 1833, aged 17, she met Charles Babbage at a party.

## The Analytical Engine
Between 1842 and 1843 she translated an article by Luigi Menabrea about Babbage's Analytical Engine. Her notes,
labelled A to G, were about 3 times longer than the article. Note G describes an algorithm for Bernoulli numbers.

## Legacy
The US Department of Defense named the Ada language after her in 1980. Ada Lovelace Day is held on the
second Tuesday of October. The BCS awards the Lovelace Medal for work in IT and the ACM has a prize too.

## Later years
She died on 27 November 1852, aged 36. She is buried beside her father at Hucknall, in Nottinghamshire.
"""


def _real_s(script, narrator: EspeakNarrator) -> float:
    return sum(narrator.synthesize(s.narration, language=script.language).duration_s for s in script.scenes)


def test_numbers_are_counted_as_spoken_and_abbreviations_letter_by_letter():
    assert number_words(1998) == "nineteen ninety eight"
    assert number_words(2_300_045) == "two million three hundred thousand forty five"
    assert word_syllables("1998") > 3 * word_syllables("4")
    assert word_syllables("HTTP") == 4 and word_syllables("WWW") == 9
    assert word_syllables("GeoJSON") == word_syllables("Geo") + 4  # the abbreviation inside is lettered
    assert word_syllables("हिन्दी") == 2  # a virama joins two consonants into one syllable
    c = counts("First, the parser reads; then it writes. Done!")
    assert (c.words, c.pauses, c.stops) == (8, 2, 2)


@pytest.mark.parametrize(
    "language, text",
    [
        ("en", "Photosynthesis turns light into chemical energy, and releases oxygen."),
        ("en", "In 1998 the ANSI committee published ISO/IEC 14882, about 776 pages long."),
        ("en", "Andrew Koenig, born June 1952, worked at AT&T Bell Labs from 1977 until 2003."),
        ("hi", "यह परियोजना सभी के लिए खुली है। हम हर योगदान का स्वागत करते हैं।"),
        ("ur", "یہ منصوبہ سب کے لیے کھلا ہے۔ ہم ہر تعاون کا خیرمقدم کرتے ہیں۔"),
    ],
)
def test_the_model_is_within_15_percent_of_real_espeak(language, text):
    real = EspeakNarrator().synthesize(text, language=language).duration_s
    assert espeak_rate(language).clip_seconds(text, language) == pytest.approx(real, rel=0.15)


def test_a_number_heavy_sentence_takes_longer_than_its_words_suggest_and_the_model_knows():
    plain = "The river runs past the old mill and the green fields to the sea."
    numbers = "In 1977 about 1,250 people moved 3,400 tonnes in 52 days, 26 per cent more."
    narrator, model = EspeakNarrator(), espeak_rate("en")
    real_ratio = (
        narrator.synthesize(numbers, language="en").duration_s / narrator.synthesize(plain, language="en").duration_s
    )
    word_ratio = len(numbers.split()) / len(plain.split())
    model_ratio = model.clip_seconds(numbers) / model.clip_seconds(plain)
    assert real_ratio > 1.3 * word_ratio  # words per minute would be far off here
    assert model_ratio == pytest.approx(real_ratio, rel=0.15)


def test_another_rate_scales_speech_not_the_clip():
    text = "A faster narrator says the same sentence in less time, but its clip still ends in silence."
    fast = EspeakNarrator(words_per_minute=220).synthesize(text, language="en").duration_s
    assert espeak_rate("en", 220).clip_seconds(text) == pytest.approx(fast, rel=0.15)


@pytest.mark.parametrize(
    "name, text, target",
    [
        ("how-solar-panels-work.md", (EXAMPLES / "how-solar-panels-work.md").read_text(), 60),
        ("how-solar-panels-work.md", (EXAMPLES / "how-solar-panels-work.md").read_text(), 90),
        ("ada.md", BIOGRAPHY, 45),
        ("ada.md", BIOGRAPHY, None),
    ],
)
def test_the_offline_writer_lands_within_15_percent_of_its_target_as_espeak_says_it(name, text, target):
    front = f"---\ntarget_duration_s: {target}\n---\n" if target else ""
    document = parse_document("doc-rate", name, (front + text).encode(), max_bytes=10**7)
    script = LocalScriptWriter().write(document)
    real = _real_s(script, EspeakNarrator())
    assert abs(real / script.target_duration_s - 1) <= 0.15, (real, script.target_duration_s)
    if target:
        assert script.target_duration_s == target
