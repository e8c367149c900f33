"""Garbage collection: objects nobody will read again, older than the retention period.

Two kinds: artefacts of projects that failed or were abandoned (the database knows them
and that no finished project shares them), and cache entries whose input hash no
finished or recent project uses. Dry run by default: people see what would go first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from notes_pipeline.store.bucket import Bucket
from notes_pipeline.store.cache import CACHE_PREFIX, digest_of_key
from notes_pipeline.store.state import StateStore


@dataclass
class GcReport:
    dry_run: bool
    orphaned: list[str] = field(default_factory=list)
    cache: list[str] = field(default_factory=list)
    bytes: int = 0

    @property
    def count(self) -> int:
        return len(self.orphaned) + len(self.cache)

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (f"{verb} {self.count} objects ({len(self.orphaned)} of failed or abandoned projects, "
                f"{len(self.cache)} unused cache entries): {self.bytes / 1_000_000:.1f} MB")


def collect_garbage(bucket: Bucket, state: StateStore, *, now: datetime, retention: timedelta,
                    dry_run: bool = True) -> GcReport:
    before = now - retention
    before_ns = int(before.timestamp() * 1e9)
    report = GcReport(dry_run=dry_run)
    for key, _project in state.orphaned_objects(before):
        info = bucket.stat(key)
        if info is not None:
            report.orphaned.append(key)
            report.bytes += info.size
    live = state.live_content_hashes(before)
    for obj in bucket.list(CACHE_PREFIX):
        digest = digest_of_key(obj.key)
        if digest is not None and digest not in live and obj.modified_ns < before_ns:
            report.cache.append(obj.key)
            report.bytes += obj.size
    if not dry_run:
        for key in (*report.orphaned, *report.cache):
            bucket.delete(key)
    return report
