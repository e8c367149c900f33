"""Priority tiers on run requests: `notes_pipeline/tier` for people, `dagster/priority` for the queue.

The queued run coordinator starts waiting runs by `dagster/priority` (higher first), and
dagster.yaml caps how many free-tier runs may run at once by the tier tag.
"""

from __future__ import annotations

from notes_pipeline.domain.models import SourceRecord, Tier
from notes_pipeline.domain.tiers import TIER_PRIORITY, requested_tier
from notes_pipeline.store.bucket import Bucket

TIER_TAG = "notes_pipeline/tier"
PRIORITY_TAG = "dagster/priority"


def tier_tags(tier: Tier) -> dict[str, str]:
    return {TIER_TAG: tier, PRIORITY_TAG: str(TIER_PRIORITY[tier])}


def document_tier(bucket: Bucket, record: SourceRecord, default: Tier) -> Tier:
    """The tier in the document's front matter, else `default`. Never raises: a sensor must not
    stop on one odd file, and the run reports a bad document by itself."""
    if record.copy_key is None:
        return default
    try:
        text = bucket.get_bytes(record.copy_key)[:65536].decode("utf-8-sig", errors="replace")
    except (OSError, KeyError):  # unreadable, or gone (ObjectNotFoundError)
        return default
    return requested_tier(text) or default
