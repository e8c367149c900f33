"""Veo's long-running operation on the wire (Vertex AI, as google-genai sends it with an API key).

    POST /v1beta1/publishers/google/models/<model>:predictLongRunning   -> {"name": "<operation>"}
    POST /v1beta1/<model resource>:fetchPredictOperation {"operationName": "<operation>"}
        -> {"name": …, "done": false}  until ready, then
        -> {"name": …, "done": true, "response": {"@type": …, "videos": [{"bytesBase64Encoded": …,
                                                                          "mimeType": "video/mp4"}]}}

`VeoWire(video, pending=2)` answers the first `pending` polls of each operation with done: false;
`pending=None` never finishes. `finished` shapes the done answer (a failed or filtered operation).
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
from collections.abc import Callable
from typing import Any

from notes_pipeline_tests.providers.stubs.server import Recorded, Reply

START = re.compile(r"^/v1beta1/publishers/google/models/(?P<model>[^/:]+):predictLongRunning$")
FETCH = re.compile(r"^/v1beta1/(?P<resource>.+/models/[^/:]+):fetchPredictOperation$")
RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"


def done_with_video(video: bytes) -> dict[str, Any]:
    return {
        "done": True,
        "response": {
            "@type": RESPONSE_TYPE,
            "videos": [{"bytesBase64Encoded": base64.b64encode(video).decode(), "mimeType": "video/mp4"}],
        },
    }


class VeoWire:
    def __init__(
        self, video: bytes, *, pending: int | None = 2, finished: Callable[[bytes], dict[str, Any]] = done_with_video
    ) -> None:
        self.video, self.pending, self.finished = video, pending, finished
        self.polls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, request: Recorded) -> Reply:
        if request.method != "POST":
            return Reply.error(404, f"no route {request.method} {request.route}")
        if started := START.match(request.route):
            name = (
                f"projects/p-1/locations/us-central1/publishers/google/models/{started['model']}"
                f"/operations/op-{next(self._ids)}"
            )
            with self._lock:
                self.polls[name] = 0
            return Reply.json({"name": name})
        if FETCH.match(request.route):
            name = request.json().get("operationName", "")
            with self._lock:
                if name not in self.polls:
                    return Reply.error(404, f"operation {name} not found")
                self.polls[name] += 1
                waiting = self.pending is None or self.polls[name] <= self.pending
            if waiting:
                return Reply.json({"name": name, "done": False, "metadata": {"@type": "progress"}})
            return Reply.json({"name": name, **self.finished(self.video)})
        return Reply.error(404, f"no route {request.route}")
