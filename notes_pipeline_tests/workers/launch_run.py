"""`python -m notes_pipeline_tests.workers.launch_run DOC_ID`: one run of the video job for one document,
coordinated in this process (the run worker), its steps executed by whichever executor the job has."""

import os
import sys
from pathlib import Path

import dagster as dg

from notes_pipeline.instance import open_instance
from notes_pipeline.workers import video_job


def main(doc_id: str) -> int:
    instance = open_instance(Path(os.environ["DAGSTER_HOME"]))
    result = dg.execute_job(dg.reconstructable(video_job), instance, tags={"dagster/partition": doc_id})
    print(result.run_id, flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
