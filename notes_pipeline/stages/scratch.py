"""Per-run scratch folders: unique names, always removed, so parallel runs never share a file.

A folder is removed when its block ends, however it ends, except when the process itself
dies (kill -9, OOM, a lost container). So each folder records its owner (host, pid and
the process's start time, which tells a dead owner from a new process that reused its
pid), and creating a folder first removes the folders of owners that are gone.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "notes-pipeline-"
OWNER_FILE = ".owner.json"
# A folder with no readable owner (being created right now, or from an older version) is
# left alone until it is this old.
UNOWNED_GRACE_S = 24 * 3600


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), None if unknown or gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces and parentheses
    if fields[0] == "Z":
        return None  # a zombie has finished: only its exit status is left
    return fields[19]


def _owner() -> dict[str, object]:
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _process_start(os.getpid())}


def _owner_alive(owner: dict[str, object]) -> bool:
    if owner.get("host") != socket.gethostname():
        return True  # another machine's folder on shared storage: not ours to judge
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return True
    if Path("/proc").is_dir():
        start = _process_start(pid)
        return start is not None and (owner.get("start") is None or start == owner.get("start"))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_scratch(root: Path, *, now: float | None = None) -> list[Path]:
    """Remove scratch folders under `root` whose owning process has died; returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith(PREFIX) and p.is_dir()]
    except OSError:
        return removed
    for path in candidates:
        try:
            owner = json.loads((path / OWNER_FILE).read_text())
            stale = isinstance(owner, dict) and not _owner_alive(owner)
        except (OSError, ValueError):
            try:
                stale = now - path.stat().st_mtime > UNOWNED_GRACE_S
            except OSError:
                continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        log.info(
            "removed %d scratch folder(s) left by processes that died: %s",
            len(removed),
            ", ".join(p.name for p in removed),
        )
    return removed


@contextmanager
def scratch_dir(label: str, root: Path | None = None) -> Iterator[Path]:
    """A fresh folder for one run's intermediate files, deleted however the block ends."""
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch(root if root is not None else Path(tempfile.gettempdir()))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)[:60]
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{safe}-", dir=root))
    try:
        (path / OWNER_FILE).write_text(json.dumps(_owner()))
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
