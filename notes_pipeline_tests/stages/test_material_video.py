"""A note with a relative image, a code block, a table and a formula: each is its own card in the video.

Through the real offline stages (local writer, eSpeak, the registry's image chain, the composer): the
frames decoded from the MP4 in the middle of each scene show that scene's card, and the code scene's frame
shows the code's text (read back with Tesseract), not a bullet list.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import av
import numpy as np
import pytest
from PIL import Image

from notes_pipeline.providers.config import SECRET_ENV_VARS, Secrets, load_config
from notes_pipeline.providers.llm.local import LocalScriptWriter
from notes_pipeline.providers.registry import ProviderRegistry
from notes_pipeline.providers.tts.espeak import EspeakNarrator
from notes_pipeline.stages.images import make_images
from notes_pipeline.stages.ingest import InboxCursor, scan_inbox
from notes_pipeline.stages.narration import narrate_script
from notes_pipeline.stages.script import load_document, write_script
from notes_pipeline.stages.video import render_video
from notes_pipeline.store.bucket import LocalBucket

NOTES = """---
resolution: 480
fps: 15
quality: draft
---
# How a video is made

This short lesson shows how written notes become a narrated video, one stage at a time.

## The stages

The notes pass through several stages, one after another, until the video is ready.

![The stages from notes to video](img/stages.png)

## Calling the function

The entry point is a small function that greets whoever calls it by name.

```python
def hello(name):
    return f"hi {name}"
```

## The settings

Each setting has a name and a default value that most people never change.

| Setting | Default |
|---|---|
| fps | 30 |
| resolution | 720 |

## The energy

The energy of a body at rest is its mass times the speed of light squared.

$$
E = mc^2
$$
"""


def stages_picture() -> bytes:
    """Four bold colour blocks: unmistakable in a decoded frame."""
    image = Image.new("RGB", (320, 200))
    for n, colour in enumerate([(220, 40, 40), (40, 160, 60), (40, 80, 220), (240, 200, 20)]):
        image.paste(colour, (n % 2 * 160, n // 2 * 100, n % 2 * 160 + 160, n // 2 * 100 + 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def frames_at(path, times: list[float]) -> list[np.ndarray]:
    """The decoded frame showing at each time (only those frames are kept)."""
    wanted, found = sorted(times), {}
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            while wanted and float(frame.time) >= wanted[0]:
                found[wanted.pop(0)] = frame.to_ndarray(format="rgb24").astype(np.int16)
            if not wanted:
                break
    return [found[t] for t in times]


def test_each_kind_of_material_is_its_own_card_in_the_video(tmp_path, monkeypatch):
    for var in SECRET_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    bucket = LocalBucket(tmp_path / "bucket")
    bucket.put_bytes("inbox/course/lesson.md", NOTES.encode())
    bucket.put_bytes("inbox/course/img/stages.png", stages_picture())
    scan = scan_inbox(bucket, InboxCursor(), known_doc_ids=[], max_bytes=1_000_000, settle_s=0)
    manifest, script = write_script(
        bucket, load_document(bucket, scan.registered[0].doc_id, max_bytes=1_000_000), LocalScriptWriter()
    )
    images = make_images(
        bucket, manifest, ProviderRegistry(load_config(), Secrets.from_env({})).image_source(), workers=2
    )
    kinds = {s.heading: i.visual_kind for s, i in zip(script.scenes, images.images, strict=True)}
    material = {
        "The stages": "figure",
        "Calling the function": "code",
        "The settings": "table",
        "The energy": "formula",
    }
    assert {k: v for k, v in kinds.items() if k in material} == material
    # The other scenes get an offline visual (a diagram or an icon) or, failing that, the text card.
    assert {v for k, v in kinds.items() if k not in material} <= {"diagram", "icon", "card"}
    assert all(i.provider == "notes" for i in images.images if i.visual_kind in material.values())

    narration = narrate_script(bucket, manifest, EspeakNarrator(), workers=2)
    render = render_video(bucket, manifest, script, narration, images, scratch_root=tmp_path / "scratch")
    ends = [*render.scene_starts_s[1:], render.duration_s]
    middles = [(start + end) / 2 for start, end in zip(render.scene_starts_s, ends, strict=True)]
    frames = frames_at(tmp_path / "bucket" / render.video_key, middles)
    stills = [
        np.asarray(Image.open(io.BytesIO(bucket.get_bytes(i.image_key))).convert("RGB")).astype(np.int16)
        for i in images.images
    ]
    top = round(render.height * 0.75)  # above the burned-in subtitles
    for n, frame in enumerate(frames):
        distances = [np.abs(frame[:top] - still[:top]).mean() for still in stills]
        assert int(np.argmin(distances)) == n, f"scene {n + 1}'s frame does not show its own picture: {distances}"
    figure_frame = frames[next(n for n, i in enumerate(images.images) if i.visual_kind == "figure")]
    for colour in [(220, 40, 40), (40, 160, 60), (40, 80, 220), (240, 200, 20)]:
        assert (np.abs(figure_frame - colour).sum(axis=2) < 60).sum() > 400  # each block of the picture is there
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (`make ocr`): the code frame's text was not read back")
    code = next(n for n, i in enumerate(images.images) if i.visual_kind == "code")
    crop = Image.fromarray(frames[code][:top].astype(np.uint8)).resize((render.width * 2, top * 2))
    png = io.BytesIO()
    crop.save(png, "PNG")
    text = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "6"],
        input=png.getvalue(),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "hello" in text and "name" in text and "return" in text, text
