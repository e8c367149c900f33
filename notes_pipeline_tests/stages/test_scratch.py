"""Scratch folders of processes that died are removed by the next process that makes one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from notes_pipeline.stages.scratch import OWNER_FILE, PREFIX, remove_stale_scratch, scratch_dir

HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from notes_pipeline.stages.scratch import scratch_dir\n"
    "with scratch_dir('render-of-a-doc', Path(sys.argv[1])) as work:\n"
    "    (work / 'frame.png').write_bytes(b'x' * 1000)\n"
    "    print(work, flush=True)\n"
    "    time.sleep(120)\n"
)


def _holder(root: Path) -> tuple[subprocess.Popen, Path]:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def test_a_killed_process_leaves_its_folder_and_the_next_scratch_dir_removes_it(tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    killed, dead_dir = _holder(root)
    alive, live_dir = _holder(root)
    try:
        killed.kill()
        killed.wait(timeout=10)
        assert (dead_dir / "frame.png").is_file()  # kill -9: no cleanup ran
        with scratch_dir("next-run", root) as mine:
            assert not dead_dir.exists()
            assert live_dir.is_dir() and (live_dir / "frame.png").is_file()  # its owner still works in it
            owner = json.loads((mine / OWNER_FILE).read_text())
            assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
            assert remove_stale_scratch(root) == []  # nor is a live process's folder (ours) touched
        assert not mine.exists()
    finally:
        alive.kill()
        alive.wait(timeout=10)
    assert [p.name for p in remove_stale_scratch(root)] == [live_dir.name]
    assert list(root.iterdir()) == []


def test_a_reused_pid_does_not_keep_a_dead_owners_folder(tmp_path: Path) -> None:
    stale = tmp_path / f"{PREFIX}old-run-abc"
    stale.mkdir()
    # Our own pid, but a different process start: the pid was reused after the owner died.
    (stale / OWNER_FILE).write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "start": "1"}))
    elsewhere = tmp_path / f"{PREFIX}other-host-run"
    elsewhere.mkdir()
    (elsewhere / OWNER_FILE).write_text(json.dumps({"host": "render-node-7", "pid": 1, "start": "1"}))
    assert remove_stale_scratch(tmp_path) == [stale]
    assert elsewhere.is_dir()  # another machine's folder is not ours to judge


def test_folders_without_an_owner_are_kept_until_they_are_old(tmp_path: Path) -> None:
    fresh, old, unrelated = (tmp_path / f"{PREFIX}fresh", tmp_path / f"{PREFIX}old", tmp_path / "someone-else")
    for path in (fresh, old, unrelated):
        path.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    os.utime(unrelated, (two_days_ago, two_days_ago))
    assert remove_stale_scratch(tmp_path) == [old]
    assert fresh.is_dir() and unrelated.is_dir()
