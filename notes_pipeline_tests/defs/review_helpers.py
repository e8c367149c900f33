"""Shared by the Dagster tests: registering and materialising documents, counting providers, review ticks."""

from __future__ import annotations

import time
from typing import Any

import dagster as dg

from notes_pipeline.cli.runner import inbox_tick
from notes_pipeline.cli.runner import review_tick as run_review_tick
from notes_pipeline.defs.media.assets import media_assets
from notes_pipeline.defs.media.checks import media_checks
from notes_pipeline.defs.resources import ProvidersResource
from notes_pipeline.domain.models import SpeechAudio
from notes_pipeline_tests.conftest import drop
from notes_pipeline_tests.stages.counting import Calls, CountingNarrator, CountingSlides

CALLS = Calls()  # module-wide: resources are rebuilt per step, the count must outlive them

# A short three-section note with review on: the review and pick tests render it at 480p.
VOLCANO_NOTES = b"""---
resolution: 480
review: true
---
# Volcanoes

## Magma rises
Hot rock melts deep underground. The magma rises because it is lighter than the rock around it.

## Eruptions
Pressure builds until the magma breaks through. Lava, ash and gas pour out.

## New land
Cooling lava becomes new rock. Islands like Hawaii grew this way.
"""


class SlowNarrator(CountingNarrator):
    """The real espeak narrator, counted, taking a while per scene so progress can be watched."""

    delay_s = 0.0

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        time.sleep(self.delay_s)
        return super().synthesize(text, language=language, voice=voice)


class CountingProviders(ProvidersResource):
    """The offline providers as configured, with narrator and slides counting their calls in CALLS."""

    narrator_delay_s: float = 0.0

    def get_narrator(self):
        narrator = SlowNarrator(CALLS)
        narrator.delay_s = self.narrator_delay_s
        return narrator

    def get_image_source(self):
        return CountingSlides(CALLS)


def reset_calls() -> None:
    CALLS.script, CALLS.narration[:], CALLS.images[:] = 0, [], []


def register(instance: dg.DagsterInstance, resources: dict[str, Any], bucket, name: str, data: bytes) -> str:
    drop(bucket, name, data, mtime_s=1000)
    result = inbox_tick(instance, resources)
    assert isinstance(result, dg.SensorResult), result
    (request,) = result.run_requests
    return request.partition_key


def materialize(instance, resources, doc_id: str, selection=None, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*media_assets, *media_checks],
        partition_key=doc_id,
        instance=instance,
        resources=resources,
        raise_on_error=False,
        selection=selection,
        **kwargs,
    )


def review_tick(instance, resources) -> dg.SensorResult:
    """One tick of the review sensor, its asset events stored as the daemon would store them."""
    result = run_review_tick(instance, resources)
    assert isinstance(result, dg.SensorResult), result
    return result


def materializations(instance, asset: str, doc_id: str) -> list:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[doc_id]), limit=100
    ).records
    return [r.event_log_entry.asset_materialization for r in records]
