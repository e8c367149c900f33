"""deploy/Dockerfile's build steps, run here without a container runtime so the recipe cannot rot.

Each RUN line is run by bash in order, in a fresh folder standing for the image's file system:
the ARGs APP and DIST point into it, COPY copies from the build context (the repository, with
the wheel built into deploy/dist/ as the Dockerfile's header says). Only the dependencies are not
downloaded: PIP_ARGS=--no-deps and PYTHONPATH lends this venv's site-packages, as in the wheel test.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from notes_pipeline_tests.wheel_helpers import REPO, build_wheel

pytestmark = pytest.mark.slow

DOCKERFILE = REPO / "deploy" / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m[1] or m[2], m[0]), text)


def test_the_recipe_is_runtime_only_non_root_and_starts_a_worker():
    steps = instructions(DOCKERFILE.read_text())
    assert [w for w, _ in steps].count("FROM") == 1  # one stage: nothing but the runtime
    assert steps[0] == ("FROM", "python:3.11-slim-bookworm")
    users = [args for word, args in steps if word == "USER"]
    assert users == ["notes"] and [w for w, _ in steps].index("USER") > max(
        i for i, (w, _) in enumerate(steps) if w == "RUN"
    )
    assert ("CMD", '["notes-pipeline", "worker", "--queues", "render,providers"]') in steps
    assert not re.search(r"(?i)(api_key|secret|password|token)\s*=", DOCKERFILE.read_text())


@pytest.mark.timeout(600)
@pytest.mark.skipif(os.geteuid() != 0, reason="the image build runs as root (apt-get, useradd); so must its rehearsal")
def test_every_run_command_of_the_dockerfile_succeeds_in_a_fresh_folder(tmp_path):
    context = tmp_path / "context"
    wheel = build_wheel(tmp_path / "build" / "dist")
    (context / "deploy" / "dist").mkdir(parents=True)
    shutil.copy(wheel, context / "deploy" / "dist")
    image = tmp_path / "image"
    image.mkdir()
    python_bin = tmp_path / "python-bin"  # the base image's `python`: this venv's interpreter's own base
    python_bin.mkdir()
    (python_bin / "python").symlink_to(sys._base_executable)

    variables = {
        "APP": str(image / "opt" / "notes-pipeline"),
        "DIST": str(image / "tmp" / "dist"),
        "PIP_ARGS": "--no-deps --no-index",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTES_PIPELINE_", "DAGSTER_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env |= {"PATH": f"{python_bin}{os.pathsep}{env['PATH']}", "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    ran = []
    for word, args in instructions(DOCKERFILE.read_text()):
        if word == "ARG":
            name, _, default = args.partition("=")
            variables.setdefault(name, default.strip('"'))
        elif word == "ENV":
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                if name not in ("PATH",):
                    env[name] = _expand(value, variables)
        elif word == "COPY":
            source, target = shlex.split(_expand(args, variables))
            shutil.copytree(context / source, Path(target), dirs_exist_ok=True)
        elif word == "RUN":
            command = _expand(args, variables)
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", command],
                cwd=image,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"RUN {args}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            ran.append(done.stdout)
        elif word == "USER":
            break  # what follows only describes how the container starts
    assert len(ran) == 4
    checked = ran[-1]
    assert checked.count("ok  ") == 8 and "MISSING" not in checked
    assert f"package: {variables['APP']}" in checked  # the wheel's copy, not this checkout
    assert not Path(variables["DIST"]).exists()


def test_helm_values_use_the_image_as_code_location_and_take_secrets_only_from_kubernetes_secrets():
    import yaml

    text = (REPO / "deploy" / "helm" / "values.yaml").read_text()
    values = yaml.safe_load(text)
    (location,) = values["dagster-user-deployments"]["deployments"]
    assert location["dagsterApiGrpcArgs"] == ["-m", "notes_pipeline.definitions"] and location["port"] == 3030
    assert location["envSecrets"] == [{"name": "notes-pipeline-env"}]
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher" and launcher["envSecrets"] == [
        {"name": "notes-pipeline-env"}
    ]
    assert values["postgresql"]["enabled"] is False
    plain = [e["value"] for e in location["env"]] + [v.partition("=")[2] for v in launcher["envVars"]]
    assert not any(re.search(r"(?i)key|secret|password|://[^/]*:[^/]*@", v) for v in plain)
    workers = list(yaml.safe_load_all((REPO / "deploy" / "helm" / "workers.yaml").read_text()))
    args = [w["spec"]["template"]["spec"]["containers"][0]["args"] for w in workers]
    assert [a[a.index("--queues") + 1] for a in args] == ["render", "providers"]
    assert all(w["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] for w in workers)
