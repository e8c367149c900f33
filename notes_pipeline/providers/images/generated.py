"""What the AI image APIs share: policy refusal, the style-locked prompt, one HTTP client each,
the quality gate and framing. Each API only says how to ask and how to read the answer."""

from __future__ import annotations

import base64
import binascii
import time
from abc import ABC, abstractmethod

from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient, HttpResponse
from notes_pipeline.providers.http.errors import UnexpectedContentError
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.images.base import ImageResult
from notes_pipeline.providers.images.frames import finish_image
from notes_pipeline.providers.images.prompting import PROMPT_VERSION, refuse_real_subjects


class GeneratedImageSource(ABC):
    """An HTTP text-to-image API as an ImageSource. Subclasses set `name` and implement `_generate`."""

    name: str
    ai_generated = True  # the public-figure policy keeps such sources away from scenes about real people

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        secrets: list[str],
        http: HttpConfig | None,
        gate: QualityGate | None,
        sleep: Sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.gate = gate or QualityGate()
        self.client = HttpClient(self.name, http, secrets=secrets, sleep=sleep)

    def identity(self) -> str:
        return f"{self.name}:{self.model} prompt v{PROMPT_VERSION}"

    def render(self, request: ImageRequest) -> bytes:
        return self.render_with_report(request).png

    def render_with_report(self, request: ImageRequest) -> ImageResult:
        refuse_real_subjects(request, self.name)
        started = time.perf_counter()
        data, attempts = self._generate(request)
        png, _ = finish_image(data, request, source=self.name, gate=self.gate)
        return ImageResult(
            png=png,
            provider=self.name,
            attempts=attempts,
            visual_kind="generated",
            latency_s=round(time.perf_counter() - started, 4),
        )

    @abstractmethod
    def _generate(self, request: ImageRequest) -> tuple[bytes, int]:
        """The picture's encoded bytes (any format Pillow reads) and the HTTP attempts it took."""

    def _base64(self, text: object, response: HttpResponse) -> bytes:
        if not isinstance(text, str) or not text:
            raise self._malformed(response, "no base64 image in the answer")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise self._malformed(response, "the image is not valid base64") from None

    def _malformed(self, response: HttpResponse, why: str) -> UnexpectedContentError:
        return UnexpectedContentError(
            f"{self.name}: {why}",
            provider=self.name,
            status=response.status,
            attempts=response.attempts,
            retryable=False,
        )
