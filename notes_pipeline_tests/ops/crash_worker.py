"""A run worker the crash test can kill: the real notes_video job, in one process, with a slow voice.

    python -m notes_pipeline_tests.ops.crash_worker run <doc_id>
    python -m notes_pipeline_tests.ops.crash_worker reexecute <parent_run_id>

Everything is the production code path (assets, resources, stages, Postgres state, the
Dagster instance in DAGSTER_HOME, on Postgres), except the providers: the offline eSpeak
voice slowed down so a kill lands mid-narration, and the slide renderer, both logging each
call they are asked to make to CRASH_CALLS_LOG (one line per call, written before the work,
so a call cut short by the kill is counted too). Configuration comes from the environment:
CRASH_BUCKET, CRASH_SCRATCH, CRASH_CALLS_LOG, CRASH_NARRATION_DELAY_S, NOTES_PIPELINE_DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import dagster as dg

from notes_pipeline.defs.media.assets import media_assets
from notes_pipeline.defs.resources import ProvidersResource, pipeline_resources
from notes_pipeline.domain.models import ImageRequest, SpeechAudio
from notes_pipeline.instance import prepare_instance
from notes_pipeline.providers.images.base import ImageSource
from notes_pipeline.providers.images.slides import SlideRenderer
from notes_pipeline.providers.tts.base import Narrator
from notes_pipeline.providers.tts.chain import NarratorChain
from notes_pipeline.providers.tts.espeak import EspeakNarrator


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def log_call(path: str, kind: str, key: str) -> None:
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {kind} {key}\n")
        log.flush()
        os.fsync(log.fileno())


class SlowEspeak(EspeakNarrator):
    """eSpeak, but each call first logs itself and takes `delay_s` longer (a slow remote voice)."""

    def __init__(self, calls_log: str, delay_s: float) -> None:
        super().__init__()
        self.calls_log, self.delay_s = calls_log, delay_s

    def synthesize(self, text: str, *, language: str, voice: str | None = None) -> SpeechAudio:
        log_call(self.calls_log, "audio", text_key(text))
        time.sleep(self.delay_s)
        return super().synthesize(text, language=language, voice=voice)


class CountedSlides(SlideRenderer):
    def __init__(self, calls_log: str) -> None:
        self.calls_log = calls_log

    def render(self, request: ImageRequest) -> bytes:
        log_call(self.calls_log, "image", text_key(request.scene.narration))
        return super().render(request)


class CrashTestProviders(ProvidersResource):
    calls_log: str
    narration_delay_s: float

    def get_narrator(self) -> Narrator:
        return NarratorChain([SlowEspeak(self.calls_log, self.narration_delay_s)])

    def get_image_source(self) -> ImageSource:
        return CountedSlides(self.calls_log)


def crash_job() -> dg.JobDefinition:
    """The notes_video job on one process (so kill -9 of it is the whole run worker)."""
    resources = pipeline_resources(
        bucket_root=os.environ["CRASH_BUCKET"], scratch_dir=os.environ["CRASH_SCRATCH"], scene_workers=2
    )
    resources["providers"] = CrashTestProviders(
        calls_log=os.environ["CRASH_CALLS_LOG"],
        narration_delay_s=float(os.environ["CRASH_NARRATION_DELAY_S"]),
        database_url="",
    )
    job = dg.define_asset_job(
        "notes_video", selection=dg.AssetSelection.assets(*media_assets), executor_def=dg.in_process_executor
    )
    defs = dg.Definitions(assets=media_assets, jobs=[job], resources=resources)
    return defs.resolve_job_def("notes_video")


def main(argv: list[str]) -> int:
    mode, target = argv
    prepare_instance(Path(os.environ["DAGSTER_HOME"]))
    with dg.DagsterInstance.get() as instance:
        if mode == "run":
            result = dg.execute_job(dg.reconstructable(crash_job), instance, tags={"dagster/partition": target})
        else:
            # What the run-retry daemon does: re-execute from failure, keeping the parent's own tags.
            parent = instance.get_run_by_id(target)
            assert parent is not None
            tags = {k: v for k, v in parent.tags.items() if not k.startswith(("dagster/", ".dagster/"))}
            tags["dagster/partition"] = parent.tags["dagster/partition"]
            result = dg.execute_job(
                dg.reconstructable(crash_job),
                instance,
                tags=tags,
                reexecution_options=dg.ReexecutionOptions.from_failure(target, instance),
            )
        print(f"run {result.run_id} {'succeeded' if result.success else 'failed'}", flush=True)
        return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
