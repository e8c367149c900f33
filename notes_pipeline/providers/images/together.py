"""Together AI images: `POST {base}/images/generations` (OpenAI-style), answer `data[0].b64_json`.

We ask for base64 so the picture comes in the same answer; if a deployment answers with a
`url` instead, that URL came from outside and is fetched through `safe_download`.
"""

from __future__ import annotations

import time
from typing import Any

from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.client import HttpClient
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.http.ssrf import UrlGuard
from notes_pipeline.providers.images.download import safe_download
from notes_pipeline.providers.images.generated import GeneratedImageSource
from notes_pipeline.providers.images.prompting import NEGATIVE_PROMPT, generation_size, image_prompt, provider_seed

DEFAULT_BASE_URL = "https://api.together.xyz/v1"
DEFAULT_MODEL = "black-forest-labs/FLUX.1-schnell"


class TogetherImages(GeneratedImageSource):
    name = "together"
    needs = (("together_api_key",),)

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpConfig | None = None,
        gate: QualityGate | None = None,
        download_guard: UrlGuard | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._key = api_key
        super().__init__(base_url=base_url, model=model, secrets=[api_key], http=http, gate=gate, sleep=sleep)
        self.downloads = HttpClient(f"{self.name}-downloads", http, url_guard=download_guard or UrlGuard(), sleep=sleep)

    def body(self, request: ImageRequest) -> dict[str, Any]:
        width, height = generation_size(request.style)
        return {
            "model": self.model,
            "prompt": image_prompt(request),
            "negative_prompt": NEGATIVE_PROMPT,
            "width": width,
            "height": height,
            "steps": 4,
            "n": 1,
            "seed": provider_seed(request.style),
            "response_format": "base64",
        }

    def _generate(self, request: ImageRequest) -> tuple[bytes, int]:
        response = self.client.request(
            "POST",
            f"{self.base_url}/images/generations",
            json=self.body(request),
            headers={"Authorization": f"Bearer {self._key}"},
            expect=("application/json",),
        )
        answer = response.json()
        data = answer.get("data") if isinstance(answer, dict) else None
        first = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
        if first is None:
            raise self._malformed(response, "no data[0] in the answer")
        if first.get("b64_json"):
            return self._base64(first["b64_json"], response), response.attempts
        if isinstance(first.get("url"), str):
            download = safe_download(first["url"], self.downloads)
            return download.content, response.attempts + download.attempts
        raise self._malformed(response, "data[0] has neither b64_json nor url")
