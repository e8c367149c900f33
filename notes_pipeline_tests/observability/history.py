"""A generated history of the pipeline: hundreds of projects over days, with failed and retried
stages, provider fallbacks, exact cache hits and semantic reuses, inserted with plain SQL.

The rows are kept in Python so tests can compute every report number independently of dbt.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

STAGES = ("video_script", "scene_narration", "scene_images", "final_video")
START = datetime(2025, 3, 1, tzinfo=UTC)
# Probability that a stage fails for good (after its retries) and the project with it.
FATAL = {"video_script": 0.02, "scene_narration": 0.03, "scene_images": 0.04, "final_video": 0.02}
# Typical wall time of a successful attempt (lognormal median, seconds).
MEDIAN_S = {"video_script": 3.0, "scene_narration": 9.0, "scene_images": 16.0, "final_video": 28.0}
IMAGE_CHAIN = (("cloudflare", 0.12), ("together", 0.2), ("huggingface", 0.3), ("slides", 0.0))


@dataclass
class History:
    projects: list[dict[str, Any]] = field(default_factory=list)
    scenes: list[dict[str, Any]] = field(default_factory=list)
    scene_tasks: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    stage_runs: list[dict[str, Any]] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.history = History()
        self.hashes = 0
        # Earlier fresh artefacts by type, the pool exact cache hits are drawn from.
        self.originals: dict[str, list[dict[str, Any]]] = {"script": [], "audio": [], "image": []}
        self.finished_originals: list[dict[str, Any]] = []

    def new_hash(self) -> str:
        self.hashes += 1
        return f"h{self.hashes:06d}"

    def asset(
        self,
        project: dict,
        asset_type: str,
        at: datetime,
        *,
        sequence_number: int | None = None,
        provider: str | None,
        usage: dict | None = None,
        fallbacks: list[str] | None = None,
        cache_hit: str = "none",
        content_hash: str | None = None,
        attempts: int = 1,
    ) -> dict:
        row = {
            "project_id": project["id"],
            "sequence_number": sequence_number,
            "asset_type": asset_type,
            "object_key": f"projects/{project['id']}/{asset_type}/{sequence_number or 0}-{self.hashes}",
            "content_hash": content_hash or self.new_hash(),
            "provider": provider,
            "provider_latency_ms": None if cache_hit != "none" else self.rng.randint(80, 9000),
            "attempts": attempts,
            "fallbacks": fallbacks or [],
            "cache_hit": cache_hit,
            "usage": usage or {},
            "created_at": at,
        }
        self.history.assets.append(row)
        return row

    def cached_or_fresh(
        self,
        project: dict,
        asset_type: str,
        at: datetime,
        hit_rate: float,
        make: Callable[[], tuple[str, dict, list[str]]],
        **extra,
    ) -> dict:
        """An exact cache hit on an earlier artefact of this type, or a fresh one made by `make`."""
        pool = self.originals[asset_type]
        if pool and self.rng.random() < hit_rate:
            original = self.rng.choice(pool)
            return self.asset(
                project,
                asset_type,
                at,
                provider=original["provider"],
                cache_hit="exact",
                content_hash=original["content_hash"],
                **extra,
            )
        provider, usage, fallbacks = make()
        attempts = 1 + (self.rng.random() < 0.1) + (self.rng.random() < 0.03)
        row = self.asset(
            project, asset_type, at, provider=provider, usage=usage, fallbacks=fallbacks, attempts=attempts, **extra
        )
        pool.append(row)
        return row

    def script_provider(self) -> tuple[str, dict, list[str]]:
        roll = self.rng.random()
        tokens = {"input_tokens": self.rng.randint(800, 6000), "output_tokens": self.rng.randint(300, 2500)}
        if roll < 0.6:
            return "gemini:gemini-2.5-flash", tokens, []
        if roll < 0.75:
            return "gemini:gemini-2.5-pro", tokens, []
        return "local", {}, ["gemini:gemini-2.5-flash"] if self.rng.random() < 0.5 else []

    def voice_provider(self, characters: int) -> tuple[str, dict, list[str]]:
        roll = self.rng.random()
        usage = {"characters": characters}
        if roll < 0.55:
            return "google-tts", usage, []
        if roll < 0.75:
            return "elevenlabs", usage, ["google-tts"] if self.rng.random() < 0.2 else []
        return "espeak", usage, ["google-tts"] if self.rng.random() < 0.5 else []

    def image_provider(self) -> tuple[str, dict, list[str]]:
        if self.rng.random() < 0.1:
            if self.rng.random() < 0.15:
                return "slides", {"images": 1}, ["google-search"]
            return "google-search", {"images": 1}, []
        failed = []
        for provider, failure_rate in IMAGE_CHAIN:
            if self.rng.random() >= failure_rate:
                return provider, {"images": 1}, failed
            failed.append(provider)
        raise AssertionError("the last provider of the chain never fails")

    def stage(self, project: dict, stage: str, t: datetime, run: str) -> tuple[datetime, bool]:
        """Attempts of one stage from `t`; returns when the last one ended and whether it succeeded."""
        attempts = 1 + (self.rng.random() < 0.12) + (self.rng.random() < 0.04)
        fatal = self.rng.random() < FATAL[stage]
        for attempt in range(attempts):
            succeeded = attempt == attempts - 1 and not fatal
            seconds = (self.rng.lognormvariate(0, 0.45) * MEDIAN_S[stage]) if succeeded else self.rng.uniform(0.2, 4)
            ended = t + timedelta(seconds=seconds)
            self.history.stage_runs.append(
                {
                    "project_id": project["id"],
                    "stage": stage,
                    "run_id": f"{run}-{attempt}",
                    "started_at": t,
                    "ended_at": ended,
                    "status": "succeeded" if succeeded else "failed",
                    "error": None if succeeded else f"{stage} failed on attempt {attempt + 1}",
                }
            )
            t = ended + timedelta(seconds=self.rng.uniform(0.1, 2.0))
        return t, not fatal

    def scene_task(self, project: dict, index: int, kind: str, status: str, at: datetime) -> None:
        self.history.scene_tasks.append(
            {
                "project_id": project["id"],
                "sequence_number": index,
                "kind": kind,
                "status": status,
                "attempts": 1 + (self.rng.random() < 0.15) + (self.rng.random() < 0.05),
                "updated_at": at,
            }
        )

    def project(self, number: int, created: datetime, *, tail: str | None) -> None:
        project = {
            "id": f"doc-{number:04d}",
            "source_key": f"inbox/doc-{number:04d}.md",
            "source_name": f"doc-{number:04d}.md",
            "content_hash": f"c{number:06d}",
            "status": "running",
            "final_video_key": None,
            "reused_from": None,
            "last_error": None,
            "created_at": created,
        }
        self.history.projects.append(project)
        t = created + timedelta(seconds=self.rng.uniform(0.5, 5))
        if tail == "registered":
            project.update(status="registered", updated_at=created)
            return
        if self.finished_originals and self.rng.random() < 0.08:
            self.reuse(project, t)
            return
        scenes: list[int] = []
        for stage in STAGES:
            if tail == "running" and stage == "scene_narration":
                self.history.stage_runs.append(
                    {
                        "project_id": project["id"],
                        "stage": stage,
                        "run_id": f"run-{number}-live",
                        "started_at": t,
                        "ended_at": None,
                        "status": "running",
                        "error": None,
                    }
                )
                project["updated_at"] = t
                return
            t, ok = self.stage(project, stage, t, f"run-{number}-{stage}")
            if stage == "video_script" and ok:
                scenes = list(range(1, self.rng.randint(3, 8) + 1))
                for index in scenes:
                    self.history.scenes.append(
                        {
                            "project_id": project["id"],
                            "sequence_number": index,
                            "heading": f"Scene {index}",
                            "narration": "words " * 20,
                            "status": "pending",
                            "retry_count": 0,
                            "updated_at": t,
                        }
                    )
                self.cached_or_fresh(project, "script", t, 0.1, self.script_provider)
            elif stage in ("scene_narration", "scene_images"):
                kind = "audio" if stage == "scene_narration" else "image"
                broken = None if ok else self.rng.choice(scenes)
                for index in scenes:
                    self.scene_task(project, index, kind, "failed" if index == broken else "done", t)
                    if index == broken:
                        continue
                    if kind == "audio":
                        characters = self.rng.randint(150, 900)
                        self.cached_or_fresh(
                            project,
                            "audio",
                            t,
                            0.15,
                            lambda c=characters: self.voice_provider(c),
                            sequence_number=index,
                        )
                    else:
                        self.cached_or_fresh(project, "image", t, 0.2, self.image_provider, sequence_number=index)
            elif stage == "final_video" and ok:
                video = self.asset(project, "video", t, provider="ffmpeg")
                for extra in ("subtitles", "thumbnail", "provenance"):
                    self.asset(project, extra, t, provider=None)
                project["final_video_key"] = video["object_key"]
            if not ok:
                project.update(status="failed", last_error=f"{stage} failed", updated_at=t)
                for scene in self.history.scenes:
                    if scene["project_id"] == project["id"]:
                        scene["status"] = {
                            "scene_narration": "failed",
                            "scene_images": "failed",
                            "final_video": "done",
                        }.get(stage, "pending")
                return
        for scene in self.history.scenes:
            if scene["project_id"] == project["id"]:
                scene["status"] = "done"
        project.update(status="done", updated_at=t)
        self.finished_originals.append(project)

    def reuse(self, project: dict, t: datetime) -> None:
        """A near-identical request: the earlier video is reused through the semantic cache."""
        original = self.rng.choice(self.finished_originals)
        ended = t + timedelta(seconds=self.rng.uniform(0.3, 1.5))
        self.history.stage_runs.append(
            {
                "project_id": project["id"],
                "stage": "final_video",
                "run_id": f"reuse-{project['id']}",
                "started_at": t,
                "ended_at": ended,
                "status": "succeeded",
                "error": None,
            }
        )
        video = next(a for a in self.history.assets if a["project_id"] == original["id"] and a["asset_type"] == "video")
        self.asset(
            project,
            "video",
            ended,
            provider=video["provider"],
            cache_hit="semantic",
            content_hash=video["content_hash"],
        )
        project.update(status="done", reused_from=original["id"], final_video_key=video["object_key"], updated_at=ended)


def generate_history(*, projects: int = 320, days: int = 12, seed: int = 7) -> History:
    """`projects` projects registered over `days` UTC days from START; the last few are still open."""
    generator = _Generator(seed)
    rng = generator.rng
    created = sorted(
        START + timedelta(days=rng.randrange(days), seconds=rng.uniform(0, 20 * 3600)) for _ in range(projects)
    )
    for number, at in enumerate(created):
        tail = {
            projects - 1: "registered",
            projects - 2: "running",
            projects - 3: "registered",
            projects - 4: "running",
        }.get(number)
        generator.project(number, at, tail=tail)
    return generator.history


def insert_history(url: str, history: History) -> None:
    """Plain INSERTs, in foreign-key order."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO projects (id, source_key, source_name, content_hash, status, final_video_key,"
            " reused_from, last_error, created_at, updated_at) VALUES (%(id)s, %(source_key)s, %(source_name)s,"
            " %(content_hash)s, %(status)s, %(final_video_key)s, %(reused_from)s, %(last_error)s, %(created_at)s,"
            " %(updated_at)s)",
            history.projects,
        )
        cur.executemany(
            "INSERT INTO scenes (project_id, sequence_number, heading, narration, status, retry_count, updated_at)"
            " VALUES (%(project_id)s, %(sequence_number)s, %(heading)s, %(narration)s, %(status)s,"
            " %(retry_count)s, %(updated_at)s)",
            history.scenes,
        )
        cur.executemany(
            "INSERT INTO scene_tasks (project_id, sequence_number, kind, status, attempts, updated_at)"
            " VALUES (%(project_id)s, %(sequence_number)s, %(kind)s, %(status)s, %(attempts)s, %(updated_at)s)",
            history.scene_tasks,
        )
        cur.executemany(
            "INSERT INTO assets (project_id, sequence_number, asset_type, object_key, content_hash, provider,"
            " provider_latency_ms, attempts, fallbacks, cache_hit, usage, created_at) VALUES (%(project_id)s,"
            " %(sequence_number)s, %(asset_type)s, %(object_key)s, %(content_hash)s, %(provider)s,"
            " %(provider_latency_ms)s, %(attempts)s, %(fallbacks)s, %(cache_hit)s, %(usage)s, %(created_at)s)",
            [{**a, "usage": Jsonb(a["usage"])} for a in history.assets],
        )
        cur.executemany(
            "INSERT INTO stage_runs (project_id, stage, run_id, started_at, ended_at, status, error)"
            " VALUES (%(project_id)s, %(stage)s, %(run_id)s, %(started_at)s, %(ended_at)s, %(status)s, %(error)s)",
            history.stage_runs,
        )
