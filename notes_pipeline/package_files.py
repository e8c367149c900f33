"""Where the files that ship inside the package are: SQL, the dbt project, the instance template, examples.

They are package data (pyproject's `package-data`), found through `importlib.resources`, so an
installed wheel migrates its database, loads its reports and renders the examples exactly as a
checkout does; nothing is looked up relative to the repository root. setuptools installs a wheel
unpacked, so each is a real folder on disk: dbt and `dg` need paths, not resource streams.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "notes_pipeline"


def package_path(*parts: str) -> Path:
    """The path of a file or folder shipped in the package; fails clearly if the install lacks it."""
    path = Path(str(files(PACKAGE).joinpath(*parts)))
    if not path.exists():
        raise FileNotFoundError(
            f"{'/'.join(parts)} is missing from the installed {PACKAGE} package ({path}); "
            "reinstall it (pyproject package-data lists what ships)"
        )
    return path


def sql_dir() -> Path:
    """migrations/ and queries/: the schema and every statement the code runs."""
    return package_path("sql")


def dbt_project_dir() -> Path:
    """The dbt_reporting project (dbt_project.yml, profiles.yml, models, seeds, tests)."""
    return package_path("dbt_reporting")


def instance_template() -> Path:
    """The project's dagster.yaml, written into DAGSTER_HOME with its storage added (instance.py)."""
    return package_path("dagster.yaml")


def workspace_file() -> Path:
    """The workspace `notes-pipeline dev` hands to `dg dev`."""
    return package_path("workspace.yaml")


def examples_dir() -> Path:
    """The example notes `notes-pipeline demo` renders."""
    return package_path("examples", "notes")
