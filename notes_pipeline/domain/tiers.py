"""Priority tiers: how soon a queued document's run starts when runs wait for a free slot.

A document asks for its tier in its front matter (`tier: premium`); documents that do not
get the deployment's default. The tier becomes the run's priority (higher starts first).
"""

from __future__ import annotations

from typing import get_args

from notes_pipeline.domain.documents import options_mapping
from notes_pipeline.domain.models import Tier

TIERS: tuple[Tier, ...] = get_args(Tier)
# Dagster's queued run coordinator starts higher priorities first; 0 is every untagged run.
TIER_PRIORITY: dict[str, int] = {"free": -10, "standard": 0, "premium": 10}


def requested_tier(text: str) -> Tier | None:
    """The tier the front matter (or JSON prompt) names, if it names a known one; None otherwise (never raises).

    Only this key is read here: whether the rest of the options are valid is the script
    stage's business, which reports it with the document's name."""
    tier = (options_mapping(text) or {}).get("tier")
    return tier if tier in TIERS else None
