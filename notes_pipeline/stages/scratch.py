"""Per-run scratch folders: unique names, always removed, so parallel runs never share a file."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_dir(label: str, root: Path | None = None) -> Iterator[Path]:
    """A fresh folder for one run's intermediate files, deleted however the block ends."""
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)[:60]
    path = Path(tempfile.mkdtemp(prefix=f"notes-pipeline-{safe}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
