"""Hugging Face Inference text-to-image: `POST {base}/{model}` with `{"inputs": prompt, "parameters": …}`,
answered with the image bytes. A model still loading answers 503, which the policy retries."""

from __future__ import annotations

import time
from typing import Any

from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.images.generated import GeneratedImageSource
from notes_pipeline.providers.images.prompting import NEGATIVE_PROMPT, generation_size, image_prompt, provider_seed

DEFAULT_BASE_URL = "https://router.huggingface.co/hf-inference/models"
DEFAULT_MODEL = "black-forest-labs/FLUX.1-schnell"


class HuggingFaceImages(GeneratedImageSource):
    name = "huggingface"
    needs = (("hf_token",),)

    def __init__(
        self,
        token: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpConfig | None = None,
        gate: QualityGate | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._token = token
        super().__init__(base_url=base_url, model=model, secrets=[token], http=http, gate=gate, sleep=sleep)

    def body(self, request: ImageRequest) -> dict[str, Any]:
        width, height = generation_size(request.style)
        return {
            "inputs": image_prompt(request),
            "parameters": {
                "negative_prompt": NEGATIVE_PROMPT,
                "width": width,
                "height": height,
                "num_inference_steps": 4,
                "seed": provider_seed(request.style),
            },
        }

    def _generate(self, request: ImageRequest) -> tuple[bytes, int]:
        response = self.client.request(
            "POST",
            f"{self.base_url}/{self.model}",
            json=self.body(request),
            headers={"Authorization": f"Bearer {self._token}", "Accept": "image/png"},
            expect=("image/",),
        )
        return response.content, response.attempts
