"""`notes-pipeline`: drop notes in, run the pipeline in-process, find the videos.

The commands drive the same Dagster definitions the UI shows (same instance in
DAGSTER_HOME, same job, same sensor code), so a video made here appears in `make dev`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence

from notes_pipeline.cli import commands, publish, review
from notes_pipeline.store.db import DATABASE_URL_ENV, DatabaseUnavailableError, mask_url


def _database_error_in(err: BaseException) -> BaseException | None:
    """The connection error, if `err` is or wraps one from any of the drivers in play (ours: psycopg 3;
    Dagster's storage: SQLAlchemy over psycopg2); Dagster may wrap it, so the causes are searched."""
    seen: BaseException | None = err
    while seen is not None:
        names = {f"{c.__module__.split('.')[0]}.{c.__name__}" for c in type(seen).__mro__}
        if names & {
            "psycopg.OperationalError",
            "psycopg2.OperationalError",
            "sqlalchemy.OperationalError",
            "psycopg_pool.PoolTimeout",
            "psycopg.InterfaceError",
            "psycopg2.InterfaceError",
        }:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="dagster")
    parser = argparse.ArgumentParser(prog="notes-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (commands, review, publish):
        module.add_commands(sub)
    args = parser.parse_args(argv)
    # The pool's reconnect attempts would print a warning each; the failure is reported once, below.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    try:
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that left shows up here, not at interpreter exit
        return code
    except DatabaseUnavailableError as err:
        raise SystemExit(f"notes-pipeline {args.command}: {err}") from None
    except BrokenPipeError:
        # The reader went away (`status ... | head`): what it wanted was printed. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:
        if (lost := _database_error_in(err)) is None:
            raise
        reason = mask_url(str(lost).strip().splitlines()[0] if str(lost).strip() else type(lost).__name__)
        raise SystemExit(
            f"notes-pipeline {args.command}: lost the database mid-command ({reason}). Start it "
            f"again (or fix {DATABASE_URL_ENV}) and run the command again: finished scenes are "
            f"reused"
        ) from None
