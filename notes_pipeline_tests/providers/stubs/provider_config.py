"""The shipped provider config with every base URL pointed at a stub on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from notes_pipeline.providers.config import ProvidersConfig, load_config


def stub_config(url: str, **http: Any) -> ProvidersConfig:
    """Real chains, models and voices; all traffic to `url`; fast timeouts and short backoff for tests."""
    data = load_config().model_dump(mode="json")
    data["http"] |= {"connect_timeout_s": 1, "read_timeout_s": 3, "backoff_base_s": 0.01, "backoff_max_s": 2, **http}
    data["script"]["gemini"] |= {"base_url": url, "timeout_s": 3}
    data["narration"]["google"] |= {"base_url": url, "timeout_s": 3}
    data["narration"]["elevenlabs"]["base_url"] = url
    data["images"]["cloudflare"]["base_url"] = f"{url}/client/v4"
    data["images"]["together"]["base_url"] = f"{url}/v1"
    data["images"]["huggingface"]["base_url"] = f"{url}/hf-inference/models"
    data["images"]["search"]["base_url"] = f"{url}/"
    data["images"]["stock"]["pexels"]["base_url"] = url
    data["images"]["stock"]["pixabay"]["base_url"] = url
    data["images"]["veo"]["base_url"] = url
    return ProvidersConfig.model_validate(data)


def write_config(config: ProvidersConfig, path: Path) -> Path:
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False))
    return path
