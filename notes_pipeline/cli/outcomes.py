"""What became of each document a command ran, and how the command reports it."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass
class Outcome:
    doc_id: str
    video: str | None = None  # a path on this machine, or the object's URI on S3/R2
    error: str | None = None
    rendered: bool = False
    waiting: bool = False  # its script waits for a person's approval (review: true)
    skipped: str | None = None  # it failed before and nothing it depends on changed: this line says so


def report_outcomes(outcomes: list[Outcome]) -> int:
    """Failures first, then every video path; the last line is the first document's video."""
    for o in outcomes:
        if o.skipped:
            print(o.skipped, file=sys.stderr)
        elif o.waiting:
            print(
                f"waiting for review: {o.doc_id} (read it: notes-pipeline script {o.doc_id}; "
                f"approve: notes-pipeline approve {o.doc_id})"
            )
        elif o.error or o.video is None:
            print(f"FAILED {o.doc_id}: {o.error or 'no video was made'}", file=sys.stderr)
    videos = [o for o in outcomes if o.video]
    for o in videos[1:]:
        print(f"{'rendered' if o.rendered else 'up to date'}: {o.video}")
    if videos:
        print(videos[0].video)
    elif not outcomes:
        print("the inbox has no new notes")
    return 1 if any(o.error or (o.video is None and not o.waiting and not o.skipped) for o in outcomes) else 0
