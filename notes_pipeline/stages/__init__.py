"""One plain-Python function per pipeline stage: providers, media and the bucket wired together.

The Dagster assets in defs/ are thin wrappers around these, so every stage can be run and
tested without Dagster.
"""
