"""Garbage collection: objects nobody will read again, older than the retention period.

Two kinds: artefacts of projects that failed, stopped half-way or never started, and cache
entries whose input hash no delivered, live or recent project uses. Whatever the candidate
queries say, nothing a delivered render or an approved script version refers to is deleted:
the references are read again at delete time and every key is checked against them, so a
wrong status can cost disk space but never a delivered video. Dry run by default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.cache import CACHE_PREFIX, digest_of_key
from notes_pipeline.store.state import GcCandidate, GcReference, StateStore

_WHY = {
    "failed": "failed project {}",
    "incomplete": "abandoned project {} (stopped before its video)",
    "registered": "abandoned project {} (never started)",
}


@dataclass(frozen=True)
class GcItem:
    key: str
    size: int
    reason: str  # why it goes, in words a person can check


@dataclass
class GcReport:
    dry_run: bool
    orphaned: list[GcItem] = field(default_factory=list)
    cache: list[GcItem] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (candidate key, what refers to it)

    @property
    def count(self) -> int:
        return len(self.orphaned) + len(self.cache)

    @property
    def bytes(self) -> int:
        return sum(item.size for item in (*self.orphaned, *self.cache))

    def lines(self) -> list[str]:
        return [f"{item.key}\t{item.reason}" for item in (*self.orphaned, *self.cache)]

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        kept = f"; kept {len(self.kept)} candidates that delivered or approved work refers to" if self.kept else ""
        return (
            f"{verb} {self.count} objects ({len(self.orphaned)} of failed or abandoned projects, "
            f"{len(self.cache)} unused cache entries): {self.bytes / 1_000_000:.1f} MB{kept}"
        )


class References:
    """What delivered renders and approved script versions refer to: exact keys, render folders, cache hashes."""

    def __init__(self, references: Iterable[GcReference]) -> None:
        self.keys: dict[str, str] = {}
        self.folders: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        for ref in references:
            self.keys.setdefault(ref.object_key, ref.referrer)
            if ref.folder:
                self.folders.setdefault(ref.folder, ref.referrer)
            if ref.cache_hash:
                self.hashes.setdefault(ref.cache_hash, ref.referrer)

    def referrer(self, key: str) -> str | None:
        """Who refers to `key` (None: nothing does)."""
        if key in self.keys:
            return self.keys[key]
        parts = key.split("/")
        for end in range(len(parts) - 1, 0, -1):
            if (folder := "/".join(parts[:end]) + "/") in self.folders:
                return self.folders[folder]
        digest = digest_of_key(key)
        return self.hashes.get(digest) if digest is not None else None


def _orphan_reason(candidate: GcCandidate) -> str:
    what = _WHY.get(candidate.status, candidate.status + " project {}").format(candidate.project_id)
    return f"{what}, last touched {candidate.last_touched_at:%Y-%m-%d}, referenced by nothing"


def collect_garbage(
    bucket: Bucket, state: StateStore, *, now: datetime, retention: timedelta, dry_run: bool = True
) -> GcReport:
    before = now - retention
    before_ns = int(before.timestamp() * 1e9)
    report = GcReport(dry_run=dry_run)
    refs = References(state.gc_references())
    for candidate in state.gc_candidates(before):
        if (referrer := refs.referrer(candidate.object_key)) is not None:
            report.kept.append((candidate.object_key, referrer))
            continue
        info = bucket.stat(candidate.object_key)
        if info is not None:
            report.orphaned.append(GcItem(candidate.object_key, info.size, _orphan_reason(candidate)))
    live = state.live_content_hashes(before)
    for obj in bucket.list(CACHE_PREFIX):
        digest = digest_of_key(obj.key)
        if digest is None or digest in live or obj.modified_ns >= before_ns:
            continue
        if (referrer := refs.referrer(obj.key)) is not None:
            report.kept.append((obj.key, referrer))
            continue
        modified = datetime.fromtimestamp(obj.modified_ns / 1e9, tz=now.tzinfo)
        report.cache.append(
            GcItem(
                obj.key,
                obj.size,
                f"cache entry {digest[:12]}, last written {modified:%Y-%m-%d}, "
                "used by no delivered, live or recent project",
            )
        )
    if not dry_run:
        _delete(bucket, state, report, before)
    return report


def _delete(bucket: Bucket, state: StateStore, report: GcReport, before: datetime) -> None:
    """Read the references again now, so a render delivered since the listing keeps everything it uses."""
    refs, live = References(state.gc_references()), state.live_content_hashes(before)
    for items in (report.orphaned, report.cache):
        for item in list(items):
            referrer = refs.referrer(item.key)
            if referrer is None and digest_of_key(item.key) in live:
                referrer = "a live or recent project"
            if referrer is not None:
                items.remove(item)
                report.kept.append((item.key, referrer))
                continue
            bucket.delete(item.key)
