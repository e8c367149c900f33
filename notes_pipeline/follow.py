"""`notes-pipeline status --follow`: one progress bar per stage, drawn from the product database.

The database is the source because every worker writes to it (scene tasks as each scene
finishes, stage runs as each stage starts and ends), whichever process or machine runs
the work. Bars show the project's current run: the run that started a stage last. Stages
that run did not include (the script, when an edit re-renders only the media) show the
earlier run's result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from notes_pipeline.store.state import StateStore

STAGES = (
    ("video_script", "script"),
    ("scene_narration", "narration"),
    ("scene_images", "images"),
    ("final_video", "video"),
)
_ORDER = {"video_script": 0, "scene_narration": 1, "scene_images": 1, "final_video": 2}
_TASK_KIND = {"scene_narration": "audio_status", "scene_images": "image_status"}
# 'incomplete': stages ran, none is running and there is no video; waiting would wait for ever.
END_STATUSES = ("done", "failed", "review", "incomplete")


@dataclass
class StageLine:
    label: str
    done: int
    total: int
    state: str


@dataclass
class Snapshot:
    status: str | None  # the project's status; None until its first stage starts
    lines: list[StageLine] = field(default_factory=list)
    running: bool = False  # a stage of the current run is still running
    error: str | None = None
    video_key: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in END_STATUSES and not self.running


def missing_stages(project: dict) -> list[str]:
    """Labels of the stages the project never finished, in pipeline order (none once a video is delivered)."""
    if project["status"] == "done":
        return []
    return [label for stage, label in STAGES if stage not in project["finished_stages"]]


def snapshot(state: StateStore, doc_id: str) -> Snapshot:
    project = state.project(doc_id)
    if project is None:
        return Snapshot(None, [StageLine(label, 0, 1, "waiting to start") for _, label in STAGES])
    scenes = state.progress(doc_id)
    rows = {r["stage"]: r for r in state.db.rows("stage_progress", project_id=doc_id)}
    current = next(iter(rows.values()))["current_run_id"] if rows else None
    in_current = {stage: row for stage, row in rows.items() if row["run_id"] == current}
    first = min((_ORDER[s] for s in in_current if s in _ORDER), default=0)
    snap = Snapshot(
        project["status"],
        error=project["failure"],
        video_key=project["final_video_key"],
        running=any(row["status"] == "running" for row in in_current.values()),
    )
    for stage, label in STAGES:
        per_scene = stage in _TASK_KIND
        total = max(len(scenes), 1) if per_scene else 1
        finished_scenes = sum(getattr(s, _TASK_KIND[stage]) == "done" for s in scenes) if per_scene else 0
        row = rows.get(stage)
        if stage in in_current:
            status = in_current[stage]["status"]
            done = total if status == "succeeded" else finished_scenes
            line = StageLine(label, done, total, {"succeeded": "done"}.get(status, status))
        elif row is not None and (_ORDER[stage] < first or not snap.running):
            line = StageLine(
                label,
                total if row["status"] == "succeeded" else 0,
                total,
                "done (earlier run)" if row["status"] == "succeeded" else row["status"],
            )
        elif snap.status == "review" and _ORDER[stage] > 0:
            line = StageLine(label, 0, total, "waiting for review")
        else:
            line = StageLine(label, 0, total, "waiting")
        snap.lines.append(line)
    return snap


def follow(
    state: StateStore,
    doc_id: str,
    *,
    interval_s: float = 0.5,
    timeout_s: float | None = None,
    console: Console | None = None,
    run_in_progress: Callable[[], bool] = lambda: False,
) -> Snapshot:
    """Redraw the bars until the project is done, failed, waiting for review, or incomplete with no run
    in progress (`run_in_progress`: between two steps of a run no stage runs, yet the run goes on)."""
    console = console or Console()
    progress = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(bar_width=32),
        MofNCompleteColumn(),
        TextColumn("{task.fields[state]}"),
        console=console,
        auto_refresh=False,
    )
    started = time.monotonic()
    with progress:
        tasks = {label: progress.add_task(label, total=1, state="") for _, label in STAGES}
        while True:
            snap = snapshot(state, doc_id)
            for line in snap.lines:
                progress.update(tasks[line.label], completed=line.done, total=line.total, state=line.state)
            progress.refresh()
            stopped = snap.finished and (snap.status != "incomplete" or not run_in_progress())
            if stopped or (timeout_s is not None and time.monotonic() - started > timeout_s):
                return snap
            time.sleep(interval_s)
