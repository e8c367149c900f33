"""Google Cloud TTS v1beta1 `text:synthesize` for the StubServer, speaking a tone per word.

The stub enforces the real API's limit (400 when the SSML is over 5,000 bytes) and
answers LINEAR16 as a WAV at the requested rate: a short silence, then for every word a
tone of a length that depends on the word, with a gap after it, then a tail of silence.
Each `<mark name="wN"/>` gets the time its word's tone starts, as the real service does.
"""

from __future__ import annotations

import base64
import re
from xml.sax.saxutils import unescape

import numpy as np

from notes_pipeline.media.audio import write_wav
from notes_pipeline_tests.providers.stubs.server import Recorded, Reply

ROUTE = re.compile(r"^/v1beta1/text:synthesize$")
LIMIT_BYTES = 5000
LEAD_S, GAP_S, TAIL_S = 0.2, 0.08, 0.4
_MARK_THEN_WORD = re.compile(r'<mark name="(w\d+)"/>([^<\s]*)')


def word_seconds(word: str) -> float:
    return 0.12 + 0.03 * len(word)


def speak(ssml: str, rate: int, *, with_marks: bool = True) -> tuple[bytes, list[dict]]:
    pieces = [np.zeros(int(LEAD_S * rate), dtype=np.int16)]
    timepoints, cursor = [], LEAD_S
    for index, (mark, word) in enumerate(_MARK_THEN_WORD.findall(ssml)):
        length = word_seconds(unescape(word, {"&quot;": '"', "&apos;": "'"}))
        t = np.arange(int(length * rate)) / rate
        pieces.append((np.sin(2 * np.pi * (220 + 20 * (index % 7)) * t) * 9000).astype(np.int16))
        pieces.append(np.zeros(int(GAP_S * rate), dtype=np.int16))
        if with_marks:
            timepoints.append({"markName": mark, "timeSeconds": round(cursor, 4)})
        cursor += int(length * rate) / rate + int(GAP_S * rate) / rate
    pieces.append(np.zeros(int(TAIL_S * rate), dtype=np.int16))
    return write_wav(np.concatenate(pieces), rate), timepoints


def google_tts_handler(*, with_marks: bool = True):
    def handle(request: Recorded) -> Reply:
        if request.method != "POST" or not ROUTE.match(request.route):
            return Reply.error(404, f"no route {request.route}")
        body = request.json()
        ssml = body["input"].get("ssml", "")
        if len(ssml.encode()) > LIMIT_BYTES:
            return Reply.json(
                {
                    "error": {
                        "code": 400,
                        "status": "INVALID_ARGUMENT",
                        "message": "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes.",
                    }
                },
                status=400,
            )
        rate = body["audioConfig"].get("sampleRateHertz") or 24000
        wav, timepoints = speak(ssml, rate, with_marks=with_marks)
        return Reply.json(
            {
                "audioContent": base64.b64encode(wav).decode(),
                "timepoints": timepoints,
                "audioConfig": body["audioConfig"],
            }
        )

    return handle
