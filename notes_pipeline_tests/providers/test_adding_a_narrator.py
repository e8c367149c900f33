"""A new narrator is its module and providers.yaml, nothing else (docs/adding_a_provider.md).

A copy of the package gets one new module and an edited providers.yaml, exactly as the document
says; a fresh Python on that copy finds the narrator, reads its secret from the environment
variable its `needs` names, builds it from its own settings section, and it speaks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import notes_pipeline

NARRATOR = '''
from pydantic import Field

from notes_pipeline.providers.config import ProviderSettings
from notes_pipeline.providers.tts.espeak import EspeakNarrator


class SlowVoiceSettings(ProviderSettings):
    words_per_minute: int = Field(ge=60, le=200)


class SlowVoiceNarrator(EspeakNarrator):
    """eSpeak NG at a settable pace, behind a key: the smallest narrator that is really a new one."""

    name = "slowvoice"
    needs = (("slowvoice_api_key",),)
    Settings = SlowVoiceSettings

    @classmethod
    def from_settings(cls, settings, secrets, *, http, sleep):
        secrets.require("slowvoice_api_key")
        return cls(words_per_minute=settings.words_per_minute)
'''

PROBE = """
import json
import notes_pipeline
from notes_pipeline.providers.config import Secrets, SECRET_ENV_VARS, load_config
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline.providers.tts.espeak import EspeakNarrator

text = "Leaves turn sunlight into sugar, and the forest breathes out the oxygen we need."
registry = ProviderRegistry(load_config(), Secrets.from_env())
speech = registry.narrator().synthesize(text, language="en")
print(json.dumps({"package": notes_pipeline.__file__, "variable": SECRET_ENV_VARS.get("slowvoice_api_key"),
                  "active": registry.active("narration"), "provider": speech.provider,
                  "seconds": speech.duration_s,
                  "espeak_seconds": EspeakNarrator().synthesize(text, language="en").duration_s}))
"""


def _probe(package_root: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    # Run from the copy's folder: `python -c` puts the working directory first on sys.path.
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, "PYTHONPATH": str(package_root), **env},
        cwd=package_root,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_a_narrator_added_as_its_module_and_providers_yaml_speaks(tmp_path):
    copy = tmp_path / "notes_pipeline"
    shutil.copytree(
        Path(notes_pipeline.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", "target", "logs")
    )
    (copy / "providers" / "tts" / "slowvoice.py").write_text(NARRATOR)
    config_file = copy / "providers" / "providers.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["narration"]["chain"].insert(0, "slowvoice")
    config["narration"]["slowvoice"] = {"words_per_minute": 100}
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))

    with_key = _probe(tmp_path, SLOWVOICE_API_KEY="k" * 12)
    assert with_key["package"].startswith(str(copy))  # the copy, not the checkout
    assert with_key["variable"] == "SLOWVOICE_API_KEY"
    assert with_key["active"] == ["slowvoice", "espeak"] and with_key["provider"] == "slowvoice"
    assert with_key["seconds"] > 1.3 * with_key["espeak_seconds"]  # its own setting: 100 words a minute, not 160

    without_key = _probe(tmp_path)
    assert without_key["active"] == ["espeak"] and without_key["provider"] == "espeak"
