"""The built wheel, installed into a fresh virtualenv, runs `notes-pipeline demo` from an empty directory.

Proves the package carries everything it reads (migrations, queries, the dbt project and its
manifest, the instance template, the examples): nothing is found relative to a checkout. The
fresh venv gets this venv's site-packages as a plain path (a .pth line) for the dependencies,
so the test stays offline and quick; the package itself comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

import pytest

from notes_pipeline_tests.wheel_helpers import REPO, build_wheel

pytestmark = pytest.mark.slow


def _fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies only: a plain path line, so this venv's editable finder (its own .pth) is not loaded.
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.timeout(900)
def test_the_wheel_installs_into_a_fresh_venv_and_renders_the_demo_from_an_empty_directory(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    python = _fresh_venv(tmp_path / "venv")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )

    # Outside pytest's private temp dirs: the embedded Postgres may run as another OS user.
    empty = Path(tempfile.mkdtemp(prefix="np-wheel-"))
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("NOTES_PIPELINE_", "DAGSTER_", "PYTHON")) and k != "VIRTUAL_ENV"
        }
        # dbt's CLI is a dependency: found on PATH, after the fresh venv's own scripts.
        env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}{os.pathsep}{Path(sys.executable).parent}"
        done = subprocess.run(
            [str(python.parent / "notes-pipeline"), "demo"],
            cwd=empty,
            env=env,
            capture_output=True,
            text=True,
            timeout=840,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

        found = subprocess.run(
            [str(python), "-c", "import notes_pipeline; print(notes_pipeline.__file__)"],
            cwd=empty,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # From the fresh venv, not the checkout (whose temp folder may itself sit under the checkout).
        assert Path(found.strip()).is_relative_to(tmp_path / "venv")
        assert not Path(found.strip()).is_relative_to(REPO / "notes_pipeline")

        videos = sorted((empty / "out" / "bucket" / "projects").glob("*/renders/*/video.mp4"))
        assert len(videos) == 3 and all(v.stat().st_size > 10_000 for v in videos)
        assert done.stdout.strip().splitlines()[-1] == str(
            next(v for v in videos if "how-solar-panels-work-" in str(v))
        )
        assert (empty / ".dagster" / "dagster.yaml").is_file()
    finally:
        shutil.rmtree(empty, ignore_errors=True)
