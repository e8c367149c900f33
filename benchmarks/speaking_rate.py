"""Calibrate `domain/speaking_rate.py` against eSpeak NG as the pipeline runs it, and measure the fit.

`python -m benchmarks.speaking_rate [--fit]` writes every corpus note with the local writer, synthesises
each scene's narration and each of its sentences alone with the real EspeakNarrator (160 wpm, its tail),
and compares the seconds each clip really lasts with (a) words at the document's words per minute, the
writers' old clock, and (b) the speaking-rate model. `--fit` fits the model's constants per language by
least squares on every other document and prints them; the error is measured on the documents held out.
"""

from __future__ import annotations

import argparse
import re
import statistics

import numpy as np

from benchmarks.writer_quality import DOCUMENTS, write_scripts
from notes_pipeline.domain.speaking_rate import ESPEAK, SpeakingRate, counts, espeak_rate
from notes_pipeline.providers.tts.espeak import EspeakNarrator

_SENTENCE = re.compile(r"(?<=[.!?\u0964\u06d4])\s+")


def samples(narrator: EspeakNarrator) -> list[dict]:
    """(document, language, text, real seconds, words per minute) for every scene and sentence of the corpus."""
    paths = sorted(p for p in DOCUMENTS.iterdir() if not p.name.endswith(".prompt"))
    rows = []
    for name, result in write_scripts(paths).items():
        if "script" not in result:
            continue
        script = result["script"]
        texts = []
        for scene in script["scenes"]:
            texts.append(("scene", scene["narration"]))
            texts += [("sentence", s) for s in _SENTENCE.split(scene["narration"]) if len(s.split()) >= 3]
        for kind, text in texts:
            seconds = narrator.synthesize(text, language=script["language"]).duration_s
            rows.append(
                {
                    "doc": name,
                    "language": script["language"],
                    "kind": kind,
                    "text": text,
                    "seconds": seconds,
                    "wpm": result["words_per_minute"],
                }
            )
    return rows


def features(text: str, language: str) -> list[float]:
    c = counts(text, language)
    return [c.syllables, c.words, c.pauses, c.stops, 1.0]


def fit(rows: list[dict]) -> SpeakingRate:
    x = np.array([features(r["text"], r["language"]) for r in rows])
    y = np.array([r["seconds"] for r in rows])
    keep = list(range(5))
    while True:  # least squares, dropping any term that comes out negative (no text is said in less than no time)
        coef, *_ = np.linalg.lstsq(x[:, keep], y, rcond=None)
        negative = [k for k, c in zip(keep, coef, strict=True) if c < 0]
        if not negative:
            break
        keep.remove(negative[0])
    full = dict(zip(keep, coef, strict=True))
    return SpeakingRate(*(round(float(full.get(k, 0.0)), 4) for k in range(5)))


def errors(rows: list[dict], model_for) -> dict[str, float]:
    """Median and worst absolute error, per scene and per document total, in percent of the real seconds."""
    scenes = [r for r in rows if r["kind"] == "scene"]
    per_scene = [abs(model_for(r) - r["seconds"]) / r["seconds"] for r in scenes]
    docs: dict[str, list[float]] = {}
    for r in scenes:
        real, predicted = docs.setdefault(r["doc"], [0.0, 0.0])
        docs[r["doc"]] = [real + r["seconds"], predicted + model_for(r)]
    per_doc = [abs(p - real) / real for real, p in docs.values()]
    return {
        "scene median": 100 * statistics.median(per_scene),
        "scene worst": 100 * max(per_scene),
        "document median": 100 * statistics.median(per_doc),
        "document worst": 100 * max(per_doc),
        "documents": len(docs),
        "scenes": len(scenes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", action="store_true", help="fit the constants and print them")
    args = parser.parse_args()
    rows = samples(EspeakNarrator())
    docs = sorted({r["doc"] for r in rows})
    held_out = set(docs[1::2])
    models = {}
    if args.fit:
        for language in sorted({r["language"] for r in rows}):
            train = [r for r in rows if r["language"] == language and r["doc"] not in held_out]
            models[language] = fit(train) if len(train) >= 10 else None
            print(f"{language}: {models[language]!r} ({len(train)} clips)")
    else:
        models = {language: ESPEAK.get(language) for language in {r["language"] for r in rows}}

    def model_seconds(r: dict) -> float:
        model = models.get(r["language"]) or espeak_rate(r["language"])
        return model.clip_seconds(r["text"], r["language"])

    def wpm_seconds(r: dict) -> float:
        return len(r["text"].split()) * 60 / r["wpm"]

    test = [r for r in rows if r["doc"] in held_out]
    print("| clock | language | documents | scenes | scene median | scene worst | document median | document worst |")
    print("|---|---|---|---|---|---|---|---|")
    for label, clock in (("words / wpm", wpm_seconds), ("speaking-rate model", model_seconds)):
        for language in sorted({r["language"] for r in test}) + ["all"]:
            part = [r for r in test if language in ("all", r["language"])]
            e = errors(part, clock)
            print(
                f"| {label} | {language} | {e['documents']} | {e['scenes']} | {e['scene median']:.1f}% | "
                f"{e['scene worst']:.1f}% | {e['document median']:.1f}% | {e['document worst']:.1f}% |"
            )


if __name__ == "__main__":
    main()
