"""ElevenLabs `POST /v1/text-to-speech/{voice_id}/with-timestamps` for the StubServer.

Answers as the real API does with an `output_format=pcm_<rate>` query: JSON with the raw
16-bit PCM in `audio_base64` and an `alignment` of the text it was sent, one entry per
character with start and end seconds. Each visible character is a short tone, each space
a short silence, after a lead-in silence.
"""

from __future__ import annotations

import base64
import re

import numpy as np

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply

ROUTE = re.compile(r"^/v1/text-to-speech/(?P<voice>[^/]+)/with-timestamps$")
LEAD_S, CHAR_S, SPACE_S, TAIL_S = 0.15, 0.05, 0.06, 0.3


def speak(text: str, rate: int) -> tuple[bytes, dict]:
    pieces = [np.zeros(int(LEAD_S * rate), dtype=np.int16)]
    characters, starts, ends = [], [], []
    cursor = pieces[0].size
    for i, ch in enumerate(text):
        length = int((SPACE_S if ch.isspace() else CHAR_S) * rate)
        if ch.isspace():
            pieces.append(np.zeros(length, dtype=np.int16))
        else:
            t = np.arange(length) / rate
            pieces.append((np.sin(2 * np.pi * (300 + 15 * (i % 9)) * t) * 8000).astype(np.int16))
        characters.append(ch)
        starts.append(round(cursor / rate, 4))
        cursor += length
        ends.append(round(cursor / rate, 4))
    pieces.append(np.zeros(int(TAIL_S * rate), dtype=np.int16))
    alignment = {"characters": characters, "character_start_times_seconds": starts, "character_end_times_seconds": ends}
    return np.concatenate(pieces).astype("<i2").tobytes(), alignment


def elevenlabs_handler(*, alignment: bool = True):
    def handle(request: Recorded) -> Reply:
        if request.method != "POST" or not ROUTE.match(request.route):
            return Reply.error(404, f"no route {request.route}")
        if not request.header("xi-api-key"):
            return Reply.json({"detail": {"status": "needs_authorization"}}, status=401)
        fmt = request.query.get("output_format", ["mp3_44100_128"])[0]
        if not fmt.startswith("pcm_"):
            return Reply.error(400, "the stub speaks PCM only")
        pcm, aligned = speak(request.json()["text"], int(fmt.removeprefix("pcm_")))
        answer = {"audio_base64": base64.b64encode(pcm).decode()}
        if alignment:
            answer |= {"alignment": aligned, "normalized_alignment": aligned}
        return Reply.json(answer)

    return handle
