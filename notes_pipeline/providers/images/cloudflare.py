"""Cloudflare Workers AI text-to-image: `POST {base}/accounts/{account}/ai/run/{model}`.

Models answer in one of two documented shapes: FLUX models return JSON
`{"result": {"image": "<base64 JPEG>"}, "success": true}`, Stable Diffusion models return
the PNG bytes themselves. Both are read; the request body follows the model family too
(FLUX takes steps and a seed, not a size).
"""

from __future__ import annotations

import time
from typing import Any

from notes_pipeline.domain.image_quality import QualityGate
from notes_pipeline.domain.models import ImageRequest
from notes_pipeline.providers.config import HttpConfig
from notes_pipeline.providers.http.retry import Sleep
from notes_pipeline.providers.images.generated import GeneratedImageSource
from notes_pipeline.providers.images.prompting import NEGATIVE_PROMPT, generation_size, image_prompt, provider_seed

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_MODEL = "@cf/black-forest-labs/flux-1-schnell"


class CloudflareImages(GeneratedImageSource):
    name = "cloudflare"
    needs = (("cloudflare_api_token", "cloudflare_account_id"),)

    def __init__(
        self,
        api_token: str,
        account_id: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpConfig | None = None,
        gate: QualityGate | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.account_id = account_id
        self._token = api_token
        super().__init__(
            base_url=base_url, model=model, secrets=[api_token, account_id], http=http, gate=gate, sleep=sleep
        )

    def body(self, request: ImageRequest) -> dict[str, Any]:
        prompt, seed = image_prompt(request), provider_seed(request.style)
        if "flux" in self.model.lower():
            return {"prompt": prompt, "steps": 4, "seed": seed}
        width, height = generation_size(request.style)
        return {
            "prompt": prompt,
            "negative_prompt": NEGATIVE_PROMPT,
            "width": width,
            "height": height,
            "num_steps": 20,
            "guidance": 7.5,
            "seed": seed,
        }

    def _generate(self, request: ImageRequest) -> tuple[bytes, int]:
        url = f"{self.base_url}/accounts/{self.account_id}/ai/run/{self.model}"
        response = self.client.request(
            "POST",
            url,
            json=self.body(request),
            headers={"Authorization": f"Bearer {self._token}"},
            expect=("image/", "application/json"),
        )
        if response.content_type.startswith("image/"):
            return response.content, response.attempts
        answer = response.json()
        if not isinstance(answer, dict) or answer.get("success") is False:
            errors = answer.get("errors") if isinstance(answer, dict) else None
            raise self._malformed(response, f"the API reported failure: {str(errors)[:200]}")
        result = answer.get("result")
        return self._base64(result.get("image") if isinstance(result, dict) else None, response), response.attempts
