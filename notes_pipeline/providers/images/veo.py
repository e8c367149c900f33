"""AI clips from Google's Veo through google-genai: a short generated video behind a scene.

Veo runs as a long-running operation: `models.generate_videos` starts it
(`POST …/publishers/google/models/<model>:predictLongRunning`), `operations.get` polls it
(`…:fetchPredictOperation`) every `poll_s` seconds until it is done or `timeout_s` has passed,
and the finished operation carries the MP4 itself (base64, as no storage bucket is asked for).
The SDK (3.x) offers video generation in its Vertex AI mode only; with an API key that is
Vertex AI's express mode. Every SDK call runs under the shared HTTP policy (retries on 429 and
5xx, the circuit breaker); an operation that never finishes, fails, is filtered by Veo's safety
checks or yields something that is not a video raises, and the chain falls back to the next
source. The clip's first second gives the poster, which passes the quality gate like any picture.

Scenes with a search query (real people, places, events) are refused before any call, as for
every AI image source. Veo is billed by the second of video (dbt seed `provider_prices`,
unit `video_seconds`), so it runs only when VEO_API_KEY is set: a Gemini key alone, set for
scripts, never starts paying for videos.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from google import genai
from google.genai import types

from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.media.clips import clip_bytes_info, poster_frame
from notes_pipeline.media.ffmpeg import MediaError
from notes_pipeline.providers.config import HttpConfig, VeoConfig
from notes_pipeline.providers.google_errors import genai_call, genai_http_options
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.errors import HttpError, UnexpectedContentError
from notes_pipeline.providers.http.retry import Clock, Failure, Sleep
from notes_pipeline.providers.images.base import ImageResult
from notes_pipeline.providers.images.frames import to_frame_png
from notes_pipeline.providers.images.prompting import (
    NEGATIVE_PROMPT,
    PROMPT_VERSION,
    image_prompt,
    provider_seed,
    refuse_real_subjects,
)

POSTER_AT_S = 1.0  # generated clips often open on a fade: the poster is taken a second in


class VeoTimeoutError(HttpError):
    """The operation was still running when the time limit passed."""


class VeoClips:
    """Scenes without a search query get a generated clip; `png` is its poster, `clip` the MP4."""

    name = "veo"
    needs = (("veo_api_key",),)
    ai_generated = True  # the public-figure policy keeps AI clips away from scenes about real people

    def __init__(
        self,
        api_key: str,
        config: VeoConfig | None = None,
        *,
        http: HttpConfig | None = None,
        gate: QualityGate | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config or VeoConfig()
        self._client = genai.Client(
            vertexai=True,
            api_key=api_key,
            http_options=genai_http_options(base_url=self.config.base_url, timeout_s=self.config.request_timeout_s),
        )
        self.policy = HttpClient(self.name, http, secrets=[api_key], sleep=sleep, clock=clock)
        self.gate = gate or QualityGate()
        self.sleep, self.clock = sleep, clock

    def identity(self) -> str:
        c = self.config
        return f"{self.name}:{c.model} {c.duration_s}s {c.resolution} audio {c.generate_audio} prompt v{PROMPT_VERSION}"

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        refuse_real_subjects(request, self.name)
        started = self.clock()
        operation, attempts = self._start(request)
        operation, retries = self._wait(operation, request.scene.index)
        clip = self._video_bytes(operation, request.scene.index)
        where = f"{self.name} (scene {request.scene.index})"
        try:
            info = clip_bytes_info(clip, name=where)
            poster = poster_frame(clip, name=where, at_s=min(POSTER_AT_S, info.duration_s / 2))
        except MediaError as err:
            raise self._malformed(f"the finished operation's video is unusable: {err}") from None
        self.gate.check(poster, source=self.name)
        png = to_frame_png(poster, request.style.width, request.style.height)
        return ImageResult(
            png=png,
            provider=self.name,
            attempts=attempts + retries,
            visual_kind="generated",
            latency_s=round(self.clock() - started, 4),
            clip=clip,
            source={
                "model": self.config.model,
                "video_seconds": f"{info.duration_s:.3f}",
                "operation": operation.name or "",
            },
        )

    # ---- the three steps ---------------------------------------------------------------
    def _start(self, request: ImageRequest) -> tuple[types.GenerateVideosOperation, int]:
        c = self.config
        portrait = request.style.height > request.style.width
        config = types.GenerateVideosConfig(
            number_of_videos=1,
            duration_seconds=c.duration_s,
            aspect_ratio="9:16" if portrait else "16:9",
            resolution=c.resolution,
            negative_prompt=NEGATIVE_PROMPT,
            seed=provider_seed(request.style),
            generate_audio=c.generate_audio,
        )
        source = types.GenerateVideosSource(prompt=image_prompt(request))
        operation, report = self.policy.call(
            f"generate_videos {c.model}",
            lambda: self._sdk(lambda: self._client.models.generate_videos(model=c.model, source=source, config=config)),
        )
        if not operation.name:
            raise self._malformed("the answer names no operation")
        return operation, report.attempts

    def _wait(self, operation: types.GenerateVideosOperation, scene: int) -> tuple[types.GenerateVideosOperation, int]:
        """Poll until done or the time limit; returns the finished operation and the failed poll attempts."""
        deadline = self.clock() + self.config.timeout_s
        retries = 0
        while not operation.done:
            if self.clock() + self.config.poll_s > deadline:
                raise VeoTimeoutError(
                    f"{self.name}: the clip for scene {scene} was not ready after {self.config.timeout_s:.0f} s "
                    f"(operation {operation.name})",
                    provider=self.name,
                    retryable=False,
                )
            self.sleep(self.config.poll_s)
            operation, report = self.policy.call("operations.get", partial(self._poll, operation))
            retries += report.attempts - 1
        if operation.error:
            message = str(operation.error.get("message", operation.error))[:300]
            raise UnexpectedContentError(
                f"{self.name}: the operation for scene {scene} failed: {message}", provider=self.name, retryable=False
            )
        return operation, retries

    def _video_bytes(self, operation: types.GenerateVideosOperation, scene: int) -> bytes:
        result = operation.result or operation.response
        videos = (result.generated_videos if result else None) or []
        if not videos:
            filtered = result.rai_media_filtered_count if result else None
            reasons = "; ".join(result.rai_media_filtered_reasons or []) if result else ""
            why = f"Veo's safety filters removed it ({reasons[:200]})" if filtered else "the answer has no video"
            raise self._malformed(f"no clip for scene {scene}: {why}")
        video = videos[0].video
        if video is None or not video.video_bytes:
            raise self._malformed(f"the clip for scene {scene} came without its bytes (only a storage URI?)")
        if len(video.video_bytes) > self.policy.config.max_response_bytes:
            raise self._malformed(
                f"the clip is {len(video.video_bytes)} bytes, over the {self.policy.config.max_response_bytes}-byte cap"
            )
        return video.video_bytes

    # ---- the SDK under the policy --------------------------------------------------------
    @staticmethod
    def _sdk(call: Any) -> Any:
        """One SDK call, its failures classified for the policy (429 and 5xx are retried)."""
        try:
            return genai_call(call)
        except ValueError as err:  # the SDK's json.loads of a garbled answer
            raise Failure(
                f"answered malformed JSON ({type(err).__name__})", retryable=False, kind=UnexpectedContentError
            ) from None

    def _poll(self, operation: Any) -> Any:
        return self._sdk(lambda: self._client.operations.get(operation))

    def _malformed(self, why: str) -> UnexpectedContentError:
        return UnexpectedContentError(f"{self.name}: {why}", provider=self.name, retryable=False)
