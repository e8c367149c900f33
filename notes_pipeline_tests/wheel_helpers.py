"""Building the wheel from a copy of the sources: shared by the wheel and Dockerfile tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_wheel(dist: Path) -> Path:
    """From a copy of the sources: setuptools builds in-tree, and a stale build/ would leak into the wheel."""
    source = dist.parent / "source"
    # Only what the wheel is built from: an ignore list would also copy pytest's own temp folder under the checkout.
    shutil.copytree(
        REPO / "notes_pipeline", source / "notes_pipeline", ignore=shutil.ignore_patterns("__pycache__", "logs")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("notes_pipeline-*.whl")
    return wheel
