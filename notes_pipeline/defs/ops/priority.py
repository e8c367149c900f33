"""Priority tiers on run requests: `notes_pipeline/tier` for people, `dagster/priority` for the queue.

The queued run coordinator starts waiting runs by `dagster/priority` (higher first), and
dagster.yaml caps how many free-tier runs may run at once by the tier tag.
"""

from __future__ import annotations

from notes_pipeline.domain.models import SourceRecord, Tier
from notes_pipeline.domain.tiers import TIER_PRIORITY

TIER_TAG = "notes_pipeline/tier"
PRIORITY_TAG = "dagster/priority"


def tier_tags(tier: Tier) -> dict[str, str]:
    return {TIER_TAG: tier, PRIORITY_TAG: str(TIER_PRIORITY[tier])}


def document_tier(record: SourceRecord, default: Tier) -> Tier:
    """The tier the document's front matter asked for when it was registered, else `default`."""
    return record.tier or default
