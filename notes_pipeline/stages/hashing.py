"""Content hashes of a stage's inputs: equal hash, equal output, so the work can be reused."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def input_hash(**parts: Any) -> str:
    """sha256 of the parts as canonical JSON (pydantic models by their JSON form)."""

    def plain(value: Any) -> Any:
        return value.model_dump(mode="json") if hasattr(value, "model_dump") else value

    canonical = json.dumps({k: plain(v) for k, v in parts.items()}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
