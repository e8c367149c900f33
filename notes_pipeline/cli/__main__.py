"""`python -m notes_pipeline.cli`: the same as the `notes-pipeline` command."""

from notes_pipeline.cli import main

raise SystemExit(main())
