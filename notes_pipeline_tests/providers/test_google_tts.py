"""The real Cloud TTS client (v1beta1, REST) against a stub on 127.0.0.1: SSML, marks, chunking, retries."""

from __future__ import annotations

import base64
import logging
import re

import numpy as np
import pytest
from google.auth.credentials import AnonymousCredentials

from notes_pipeline.media.audio import read_wav
from notes_pipeline.providers.config import HttpConfig, load_config
from notes_pipeline.providers.http.errors import HttpError
from notes_pipeline.providers.tts.google import GoogleNarrator
from notes_pipeline_tests.providers.stubs import Reply, StubServer
from notes_pipeline_tests.providers.stubs.google_tts import GAP_S, LEAD_S, google_tts_handler, word_seconds

KEY = "AI" + "zaSy-test-tts-key-93b0"
RATE = 16000
HINDI = (
    "जल चक्र पृथ्वी पर पानी की निरंतर यात्रा है। सूरज की गर्मी से समुद्र का पानी भाप बनकर ऊपर उठता है। "
    "ऊँचाई पर ठंडी हवा में भाप छोटी बूँदों में बदल जाती है और बादल बनते हैं। "
    "जब बूँदें भारी हो जाती हैं तो वे वर्षा के रूप में धरती पर गिरती हैं। "
)


@pytest.fixture
def stub():
    with StubServer(google_tts_handler()) as server:
        yield server


def narrator(
    stub: StubServer, *, api_key: str | None = None, sleeps: list[float] | None = None, **changes
) -> GoogleNarrator:
    config = (
        load_config()
        .narration.settings_for(GoogleNarrator)
        .model_copy(update={"base_url": stub.url, "sample_rate": RATE, "timeout_s": 2, **changes})
    )
    credentials = None if api_key else AnonymousCredentials()
    return GoogleNarrator(
        config,
        api_key=api_key,
        credentials=credentials,
        http=HttpConfig(max_attempts=3, backoff_base_s=0.2, backoff_max_s=5),
        sleep=sleeps.append if sleeps is not None else (lambda s: None),
    )


def ssml_of(request) -> str:
    return request.json()["input"]["ssml"]


def test_ssml_is_escaped_and_marks_give_word_starts(stub):
    text = 'Fish & chips <cheap> cost "two" pounds, it\'s true.'
    speech = narrator(stub).synthesize(text, language="en")
    (request,) = stub.requests
    assert request.route == "/v1beta1/text:synthesize"
    body = request.json()
    assert body["voice"] == {"languageCode": "en-US", "name": "en-US-Neural2-F"}
    assert body["audioConfig"]["audioEncoding"] == "LINEAR16" and body["audioConfig"]["sampleRateHertz"] == RATE
    assert body["enableTimePointing"] == ["SSML_MARK"]
    ssml = body["input"]["ssml"]
    assert "&amp;" in ssml and "&lt;cheap&gt;" in ssml and "&quot;two&quot;" in ssml and "it&apos;s" in ssml
    assert ssml.count("<mark ") == len(text.split()) and "<cheap>" not in ssml

    samples, rate = read_wav(speech.wav)
    assert rate == RATE and speech.duration_s == pytest.approx(samples.size / RATE)
    assert [w.text for w in speech.words] == text.split() and not speech.timings_estimated
    expected_start = LEAD_S
    for word, nxt in zip(speech.words, speech.words[1:]):
        assert word.start_s == pytest.approx(expected_start, abs=2e-3)
        assert word.end_s == nxt.start_s  # a word lasts until the next one starts
        expected_start += word_seconds(word.text) + GAP_S
    assert speech.words[-1].end_s <= speech.duration_s and speech.provider == "google"
    assert speech.voice == "en-US-Neural2-F" and speech.attempts == 1


def test_long_hindi_is_chunked_under_5000_bytes_and_joined_into_one_timeline(stub):
    text = HINDI * 30  # ~1,000 words, ~22 KB of SSML with its marks
    speech = narrator(stub).synthesize(text, language="hi")
    assert len(stub.requests) >= 4
    for request in stub.requests:
        ssml = ssml_of(request)
        assert len(ssml.encode()) < 5000
        assert re.sub(r"<[^>]+>", "", ssml).strip().endswith("।")  # every chunk ends at a sentence
        assert request.json()["voice"] == {"languageCode": "hi-IN", "name": "hi-IN-Neural2-A"}
    spoken = [w for r in stub.requests for w in re.sub(r"<[^>]+>", "", ssml_of(r)).split()]
    assert spoken == text.split()

    words = speech.words
    assert [w.text for w in words] == text.split() and speech.attempts == len(stub.requests)
    assert all(a.start_s < b.start_s and a.end_s <= b.start_s for a, b in zip(words, words[1:]))
    samples, _ = read_wav(speech.wav)
    assert speech.duration_s == pytest.approx(samples.size / RATE) and words[-1].end_s <= speech.duration_s
    # The timings still point at the sound after trimming and joining: each word's tone is audible
    # just after its start, and every gap between words (seams included) stays a short pause.
    for word in words:
        at = int((word.start_s + 0.04) * RATE)
        assert np.sqrt(np.mean(samples[at : at + 160].astype(float) ** 2)) > 3000, word
    gaps = [b.start_s - (a.start_s + word_seconds(a.text)) for a, b in zip(words, words[1:])]
    assert max(gaps) < 0.35 and min(gaps) > 0.05


def test_without_marks_the_timings_are_estimated_over_the_speech(stub):
    stub.handler = google_tts_handler(with_marks=False)
    speech = narrator(stub).synthesize("Clouds form when vapour cools.", language="en")
    assert speech.timings_estimated and [w.text for w in speech.words] == ["Clouds", "form", "when", "vapour", "cools."]
    assert speech.words[0].start_s == pytest.approx(LEAD_S, abs=0.02) and speech.words[-1].end_s <= speech.duration_s


def test_voices_per_language_and_a_google_voice_name_given_as_the_voice(stub):
    n = narrator(stub)
    assert n.voice_for("ur", None) == ("ur-IN", "ur-IN-Wavenet-A")
    assert n.voice_for("hi", "hi-IN-Wavenet-B") == ("hi-IN", "hi-IN-Wavenet-B")
    assert n.voice_for("en", "en-us") == ("en-US", "en-US-Neural2-F")  # an eSpeak name is not a Google voice
    assert n.identity(language="hi") != n.identity(language="ur")


@pytest.mark.parametrize("fault", [Reply.too_many(retry_after=1), Reply.error(500), Reply.error(503), Reply.hang(2)])
def test_rate_limits_server_errors_and_timeouts_are_retried(stub, fault):
    sleeps: list[float] = []
    speech = narrator(stub, sleeps=sleeps, timeout_s=0.3).synthesize("Rain falls.", language="en")
    stub.requests.clear()
    stub.script(fault)
    speech = narrator(stub, sleeps=sleeps, timeout_s=0.3).synthesize("Rain falls.", language="en")
    assert speech.attempts == 2 and len(stub.requests) == 2
    if fault.status == 429:
        assert sleeps == [1.0]


def test_retries_are_bounded_and_then_the_error_names_the_status(stub):
    stub.script(*[Reply.error(503)] * 5)
    with pytest.raises(HttpError, match="503") as err:
        narrator(stub).synthesize("Rain falls.", language="en")
    assert err.value.attempts == 3 and len(stub.requests) == 3


def test_a_429_is_sent_max_attempts_times_in_all_the_sdk_adds_no_retries(stub):
    sleeps: list[float] = []
    stub.script(*[Reply.too_many(retry_after=1)] * 9)
    with pytest.raises(HttpError, match="429 TooManyRequests after 3 attempts") as err:
        narrator(stub, sleeps=sleeps).synthesize("Rain falls.", language="en")
    assert err.value.attempts == 3 and len(stub.requests) == 3 and sleeps == [1.0, 1.0]


def test_the_api_key_travels_in_a_header_and_never_reaches_logs_or_errors(stub, caplog):
    stub.script(
        Reply.json({"error": {"code": 403, "message": "API key not valid", "status": "PERMISSION_DENIED"}}, status=403)
    )
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(HttpError) as err:
            narrator(stub, api_key=KEY).synthesize("Rain falls.", language="en")
        speech = narrator(stub, api_key=KEY).synthesize("Rain falls.", language="en")
    assert len(stub.requests) == 2 and speech.words
    assert all(r.header("x-goog-api-key") == KEY and KEY not in r.path for r in stub.requests)
    assert KEY not in str(err.value) and KEY not in caplog.text
    assert base64.b64encode(KEY.encode()).decode() not in caplog.text
