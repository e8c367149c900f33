"""Errors that say which document, which stage and what went wrong, in words a person can act on."""

from __future__ import annotations


class PipelineError(Exception):
    """A failure of one document at one stage. Retrying may help (a provider was down)."""

    retryable = True

    def __init__(self, cause: str, *, doc_id: str | None = None, stage: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.doc_id = doc_id
        self.stage = stage

    def at(self, *, doc_id: str, stage: str) -> PipelineError:
        """Fill in where the error happened, keeping anything already known."""
        self.doc_id = self.doc_id or doc_id
        self.stage = self.stage or stage
        return self

    def __str__(self) -> str:
        where = []
        if self.doc_id:
            where.append(f"document '{self.doc_id}'")
        if self.stage:
            where.append(f"stage '{self.stage}'")
        return f"{' at '.join(where)}: {self.cause}" if where else self.cause


class BadInputError(PipelineError):
    """The document itself cannot become a video; retrying will not change that."""

    retryable = False
