"""`notes-pipeline status --follow` in a pseudo-terminal: its bars advance while a materialisation runs."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from notes_pipeline.defs.resources import PipelineSettings
from notes_pipeline.instance import prepare_instance
from notes_pipeline_tests.defs.review_helpers import CountingProviders, materialize, register, reset_calls

pytestmark = pytest.mark.slow

NOTES = b"""---
resolution: 480
---
# Rain

## Evaporation
The sun warms the sea. Water rises as vapour.

## Clouds
Vapour cools high up. It condenses into droplets that form clouds.

## Rain falls
Droplets merge and grow heavy. They fall back as rain.
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB012]|\r")


def _read_all(fd: int, into: bytearray, stop: threading.Event) -> None:
    """Drain the terminal continuously: a full pty buffer would block the process writing to it."""
    while not stop.is_set():
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            return
        if not chunk:
            return
        into.extend(chunk)


def test_follow_draws_bars_that_advance_until_the_video_is_done(resources, bucket, database_url, tmp_path, cli_home):
    reset_calls()
    # One instance for the run and the follower: between two steps no stage runs, but the run does.
    prepare_instance(cli_home / "dagster")
    instance = dg.DagsterInstance.get()
    doc_id = register(instance, resources, bucket, "rain.md", NOTES)
    # One scene at a time, each taking a while: the bar has time to be seen part-way.
    slow = {
        **resources,
        "providers": CountingProviders(narrator_delay_s=0.5),
        "settings": PipelineSettings(scratch_dir=str(tmp_path / "scratch"), scene_workers=1),
    }

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {
        **os.environ,
        "NOTES_PIPELINE_DATABASE_URL": database_url,
        "NOTES_PIPELINE_HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "COLUMNS": "140",
    }
    env.pop("NO_COLOR", None)
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notes_pipeline.cli",
            "status",
            doc_id,
            "--follow",
            "--interval",
            "0.1",
            "--timeout",
            "240",
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    os.close(slave)
    output, stop = bytearray(), threading.Event()
    reader = threading.Thread(target=_read_all, args=(master, output, stop), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while b"waiting to start" not in output and time.monotonic() < deadline:
            assert follower.poll() is None, bytes(output).decode(errors="replace")
            time.sleep(0.1)
        assert b"waiting to start" in output  # following before the run exists
        result = materialize(instance, slow, doc_id)
        assert result.success
        assert follower.wait(timeout=60) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
        reader.join(timeout=5)
        stop.set()
        os.close(master)

    text = ANSI.sub("", bytes(output).decode(errors="replace"))
    scenes = len(result.output_for_node("scene_narration").clips)
    narrated = [(int(a), int(b)) for a, b in re.findall(r"narration\s+\S*\s+(\d+)/(\d+)", text)]
    done = [a for a, b in narrated if b == scenes]
    assert done and done[-1] == scenes
    assert done == sorted(done)  # bars only move forward
    assert len({a for a in done if 0 < a < scenes}) >= 2, narrated  # seen part-way, more than once
    assert re.search(r"video\s+\S*\s+1/1\s+done", text)
    render = result.output_for_node("final_video")
    assert f"{doc_id}: done" in text
    assert text.rstrip().endswith(f"video: {bucket.local_path(render.video_key)}")
