"""An FFmpeg child never outlives the process that started it (kill -9 of a run worker mid-render)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

RENDER_FOREVER = (
    "import ffmpeg, sys\n"
    "from notes_pipeline.media.ffmpeg import run_ffmpeg\n"
    "print('rendering', flush=True)\n"
    "graph = ffmpeg.input('testsrc=size=320x240:rate=10:duration=600', f='lavfi', re=None)\n"
    "run_ffmpeg(graph.output('-', f='null'), what='a ten-minute test render')\n"
)


def _ffmpeg_children(parent: psutil.Process, timeout_s: float = 20) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in parent.children(recursive=True) if "ffmpeg" in c.name().lower()]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the render never started FFmpeg")


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_ffmpeg_dies_with_the_process_that_started_it() -> None:
    worker = subprocess.Popen([sys.executable, "-c", RENDER_FOREVER], stdout=subprocess.PIPE, text=True)
    children: list[psutil.Process] = []
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "rendering"
        children = _ffmpeg_children(psutil.Process(worker.pid))
        (child,) = children
        assert child.is_running() and not _gone(child)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        deadline = time.monotonic() + 2
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(child), f"FFmpeg {child.pid} outlived its killed parent"
    finally:
        for leftover in children:  # an orphan left by a failed assertion
            if not _gone(leftover):
                leftover.kill()
        worker.kill()
        worker.wait(timeout=10)
