"""ElevenLabs through the shared HTTP policy against a stub on 127.0.0.1: PCM, alignment, faults."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from notes_pipeline.media.audio import read_wav
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.http.errors import HttpError, UnexpectedContentError
from notes_pipeline.providers.tts.elevenlabs import ElevenLabsNarrator, word_starts_from_alignment
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.elevenlabs import CHAR_S, LEAD_S, SPACE_S, elevenlabs_handler

KEY = "sk_test_elevenlabs_5d2f81a0"
TEXT = "Warm air rises. Cool air sinks, and wind blows between them."


@pytest.fixture
def stub():
    with StubServer(elevenlabs_handler()) as server:
        yield server


def narrator(stub: StubServer, sleeps: list[float] | None = None, **changes) -> ElevenLabsNarrator:
    config = (
        load_config().narration.settings_for(ElevenLabsNarrator).model_copy(update={"base_url": stub.url, **changes})
    )
    return ElevenLabsNarrator(
        config,
        api_key=KEY,
        http=HttpConfig(max_attempts=3, backoff_base_s=0.2, read_timeout_s=2),
        sleep=sleeps.append if sleeps is not None else (lambda s: None),
    )


def test_pcm_with_timestamps_becomes_a_wav_with_word_timings(stub):
    speech = narrator(stub).synthesize(TEXT, language="en")
    (request,) = stub.requests
    assert request.route == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"
    assert request.query["output_format"] == ["pcm_22050"] and request.header("xi-api-key") == KEY
    assert request.json() == {"text": TEXT, "model_id": "eleven_multilingual_v2"}

    samples, rate = read_wav(speech.wav)
    assert rate == 22050 and speech.duration_s == pytest.approx(samples.size / rate)
    assert [w.text for w in speech.words] == TEXT.split() and not speech.timings_estimated
    start = LEAD_S
    for word, nxt in zip(speech.words, speech.words[1:]):
        assert word.start_s == pytest.approx(start, abs=1e-3) and word.end_s == nxt.start_s
        start += (len(word.text) * int(CHAR_S * rate) + int(SPACE_S * rate)) / rate  # whole samples, as sent
    assert speech.provider == "elevenlabs" and speech.voice == "21m00Tcm4TlvDq8ikWAM"


def test_alignment_of_other_text_is_not_trusted():
    aligned = {"characters": list("Hello world"), "character_start_times_seconds": [0.1 * i for i in range(11)]}
    assert word_starts_from_alignment("Hello world", aligned) == pytest.approx([0.0, 0.6])
    assert word_starts_from_alignment("Hello there", aligned) == [None, None]
    assert word_starts_from_alignment("Hello world", None) == [None, None]


def test_without_alignment_the_timings_are_estimated(stub):
    stub.handler = elevenlabs_handler(alignment=False)
    speech = narrator(stub).synthesize(TEXT, language="en")
    assert speech.timings_estimated and [w.text for w in speech.words] == TEXT.split()
    assert speech.words[-1].end_s <= speech.duration_s


def test_long_text_is_sent_in_sentence_chunks_with_their_neighbours_as_context(stub):
    text = " ".join(f"Sentence number {i} is about the weather." for i in range(12))
    speech = narrator(stub, max_request_chars=120).synthesize(text, language="en")
    bodies = [r.json() for r in stub.requests]
    assert len(bodies) >= 4 and all(len(b["text"]) <= 120 for b in bodies)
    assert " ".join(b["text"] for b in bodies) == text
    assert "previous_text" not in bodies[0] and bodies[1]["previous_text"] == bodies[0]["text"]
    assert bodies[0]["next_text"] == bodies[1]["text"] and "next_text" not in bodies[-1]
    words = speech.words
    assert [w.text for w in words] == text.split() and speech.attempts == len(bodies)
    assert all(a.start_s < b.start_s and a.end_s <= b.start_s for a, b in zip(words, words[1:]))
    samples, rate = read_wav(speech.wav)
    for word in words:  # the joined timeline still points at each word's sound
        at = int((word.start_s + 0.02) * rate)
        assert np.abs(samples[at : at + 100]).max() > 2000, word


def test_faults_are_retried_and_bad_answers_refused(stub):
    sleeps: list[float] = []
    stub.script(Reply.too_many(retry_after=3), Reply.error(502))
    assert narrator(stub, sleeps).synthesize("Rain falls.", language="en").attempts == 3
    assert sleeps[0] == 3.0

    stub.script(Reply.malformed_json())
    with pytest.raises(UnexpectedContentError):
        narrator(stub).synthesize("Rain falls.", language="en")
    stub.script(Reply.wrong_type())
    with pytest.raises(UnexpectedContentError, match="text/html"):
        narrator(stub).synthesize("Rain falls.", language="en")
    stub.script(Reply.json({"alignment": None}))
    with pytest.raises(UnexpectedContentError, match="no audio"):
        narrator(stub).synthesize("Rain falls.", language="en")


def test_a_rejected_key_fails_at_once_and_is_never_shown(stub, caplog):
    stub.script(Reply.json({"detail": {"status": "invalid_api_key", "message": f"Invalid key {KEY}"}}, status=401))
    with caplog.at_level(logging.DEBUG), pytest.raises(HttpError, match="401") as err:
        narrator(stub).synthesize("Rain falls.", language="en")
    assert len(stub.requests) == 1 and KEY not in str(err.value) and KEY not in caplog.text
