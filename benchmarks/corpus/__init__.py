"""`make corpus`: real documents written by other people, rendered offline, measured per document.

The documents and their sources and licences are in `documents/` and README.md beside this file;
`python -m benchmarks.corpus --help` says how to run it.
"""
