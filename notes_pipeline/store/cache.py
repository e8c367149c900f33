"""The exact-match cache: provider outputs kept under the content hash of their inputs.

    cache/<kind>/<hash[:2]>/<hash>/<file>      e.g. cache/audio/3f/3fa9…/audio.wav

Any project, run or retry that needs the same thing (same text, voice and engine; same
image request and source) finds it here and pays no provider. An entry's `meta.json` is
written last, so an entry interrupted half-way is never read as complete.
"""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel

from notes_pipeline.store.bucket import Bucket, ObjectNotFoundError, load_model, put_model

CACHE_PREFIX = "cache/"
META = "meta.json"
_HASH = re.compile(r"^[0-9a-f]{16,64}$")
_KIND = re.compile(r"^[a-z]+$")

M = TypeVar("M", bound=BaseModel)


def entry_prefix(kind: str, digest: str) -> str:
    if not _KIND.match(kind) or not _HASH.match(digest):
        raise ValueError(f"cache entries are named by a lowercase kind and a hex digest, got {kind!r}/{digest!r}")
    return f"{CACHE_PREFIX}{kind}/{digest[:2]}/{digest}/"


def digest_of_key(key: str) -> str | None:
    """The content hash a cache object belongs to (for garbage collection), None outside the cache."""
    parts = key.split("/")
    if len(parts) == 5 and key.startswith(CACHE_PREFIX) and _HASH.match(parts[3]):
        return parts[3]
    return None


class ObjectCache:
    """Entries of named files plus a pydantic `meta` describing how they were made."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    def get(
        self, kind: str, digest: str, meta_model: type[M], names: tuple[str, ...]
    ) -> tuple[M, dict[str, bytes]] | None:
        prefix = entry_prefix(kind, digest)
        meta = load_model(self.bucket, prefix + META, meta_model)
        if meta is None:
            return None
        try:
            return meta, {name: self.bucket.get_bytes(prefix + name) for name in names}
        except ObjectNotFoundError:
            return None  # collected or damaged: treat as a miss and make it again

    def put(self, kind: str, digest: str, meta: BaseModel, files: dict[str, bytes]) -> None:
        prefix = entry_prefix(kind, digest)
        for name, data in files.items():
            self.bucket.put_bytes(prefix + name, data)
        put_model(self.bucket, prefix + META, meta)
