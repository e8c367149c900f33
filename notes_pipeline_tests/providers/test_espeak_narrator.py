from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from notes_pipeline.domain.errors import BadInputError
from notes_pipeline.media.audio import audible_span, read_wav, wav_duration_s
from notes_pipeline.providers.tts.espeak import EspeakNarrator

TEXTS = {
    "en": "Water evaporates from the sea, rises and cools into clouds.",
    "hi": "पानी भाप बनकर ऊपर उठता है और ठंडा होकर बादल बनता है।",
    "ur": "پانی بھاپ بن کر اوپر اٹھتا ہے اور بادل بنتا ہے۔",
}


@pytest.mark.parametrize("language", ["en", "hi", "ur"])
def test_each_language_speaks_with_timings_for_every_word(language):
    text = TEXTS[language]
    speech = EspeakNarrator().synthesize(text, language=language)
    samples, rate = read_wav(speech.wav)
    assert rate == speech.sample_rate and abs(samples.size / rate - speech.duration_s) < 1e-9
    assert wav_duration_s(speech.wav) == pytest.approx(speech.duration_s)
    words = len(text.split())
    assert 0.2 * words < speech.duration_s < 1.2 * words  # plausible speaking time
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 300  # not silence
    assert [w.text for w in speech.words] == text.split() and not speech.timings_estimated
    starts = [w.start_s for w in speech.words]
    assert starts == sorted(starts) and speech.words[-1].end_s <= speech.duration_s
    speech_start, _ = audible_span(samples, rate)
    assert abs(speech.words[0].start_s - speech_start) < 0.3


def test_clip_ends_with_the_requested_silence():
    speech = EspeakNarrator(tail_silence_s=0.4).synthesize("A short clip.", language="en")
    samples, rate = read_wav(speech.wav)
    tail = samples[-int(0.35 * rate) :].astype(np.float64)
    assert np.abs(tail).max() < 50


def test_rate_changes_duration_and_identity():
    slow, fast = EspeakNarrator(words_per_minute=120), EspeakNarrator(words_per_minute=220)
    text = TEXTS["en"]
    assert slow.synthesize(text, language="en").duration_s > fast.synthesize(text, language="en").duration_s * 1.3
    assert slow.identity(language="en") != fast.identity(language="en")
    assert slow.identity(language="en") != slow.identity(language="hi")


def test_awkward_characters_are_spoken_without_error():
    text = 'She said "50% off": {braces} \\ back <tag> & more — مرحبا.'
    speech = EspeakNarrator().synthesize(text, language="en")
    assert speech.duration_s > 1 and len(speech.words) == len(text.split())


def test_unknown_voice_and_empty_text_are_bad_input():
    with pytest.raises(BadInputError, match="no voice 'zz-nope'"):
        EspeakNarrator().synthesize("hello", language="en", voice="zz-nope")
    with pytest.raises(BadInputError, match="no text"):
        EspeakNarrator().synthesize("   ", language="en")


def test_concurrent_calls_do_not_mix_their_audio():
    # eSpeak carries a little state from one utterance to the next (same text, a few samples
    # longer or shorter), so compare what interleaving would break: length, words and sound.
    narrator = EspeakNarrator()
    order = ("en", "hi", "ur", "en", "hi", "ur")
    serial = [narrator.synthesize(TEXTS[k], language=k) for k in order]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda k: narrator.synthesize(TEXTS[k], language=k), order))
    for a, b in zip(serial, parallel):
        assert b.duration_s == pytest.approx(a.duration_s, rel=0.02)
        assert [w.text for w in b.words] == [w.text for w in a.words]
        assert [w.start_s for w in b.words] == pytest.approx([w.start_s for w in a.words], abs=0.05)
