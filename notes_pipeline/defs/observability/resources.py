"""Where the reports read from: the pipeline's own database."""

import dagster as dg

from notes_pipeline.store.db import resolve_url


class ReportsDatabase(dg.ConfigurableResource):
    """The product database the reports describe. Empty `url`: NOTES_PIPELINE_DATABASE_URL, else
    the embedded pgserver, resolved when used (store.db.resolve_url)."""

    url: str = ""

    def resolved_url(self) -> str:
        return resolve_url(self.url or None)
