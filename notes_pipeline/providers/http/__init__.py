"""The HTTP policy; this commit only moves the module so its history follows (the split is next)."""

from notes_pipeline.providers.http.client import *  # noqa: F403
