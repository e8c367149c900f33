"""`python -m notes_pipeline.deploy_check [PREFIX]`: fail unless this install can make a video offline.

The last step of the container build (deploy/Dockerfile): the package is the installed one (under
PREFIX when given), its shipped files are there, FFmpeg runs (with libx264), the eSpeak NG library is there and every
bundled font opens. Prints one line per check; exits 1 naming what is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def checks(prefix: Path | None) -> list[tuple[str, bool, str]]:
    import imageio_ffmpeg
    from PIL import ImageFont

    import notes_pipeline
    from notes_pipeline.package_files import dbt_project_dir, examples_dir, instance_template, sql_dir

    results = []
    where = Path(notes_pipeline.__file__).resolve()
    results.append(("package", prefix is None or prefix.resolve() in where.parents, str(where.parent)))
    migrations = sorted((sql_dir() / "migrations").glob("*.sql"))
    results.append(("migrations", bool(migrations), f"{len(migrations)} files"))
    results.append(("dbt project", (dbt_project_dir() / "dbt_project.yml").is_file(), str(dbt_project_dir())))
    results.append(("instance template", instance_template().is_file(), instance_template().name))
    results.append(("examples", any(examples_dir().iterdir()), str(examples_dir())))
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    done = subprocess.run([ffmpeg, "-hide_banner", "-version"], capture_output=True, text=True, check=False)
    results.append(("ffmpeg", done.returncode == 0 and "libx264" in done.stdout, ffmpeg))
    fonts = sorted((where.parent / "media" / "fonts").glob("*.ttf"))
    opened = [ImageFont.truetype(str(f), 24) for f in fonts]
    results.append(("fonts", bool(fonts) and len(opened) == len(fonts), f"{len(fonts)} fonts"))
    import espeakng_loader

    results.append(("espeak", Path(espeakng_loader.get_library_path()).is_file(), espeakng_loader.get_library_path()))
    return results


def main(argv: list[str]) -> int:
    results = checks(Path(argv[0]) if argv else None)
    for name, ok, detail in results:
        print(f"{'ok' if ok else 'MISSING'}  {name}: {detail}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
