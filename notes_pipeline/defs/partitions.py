"""One partition per notes document; its key is the document id (slug + short content hash)."""

import dagster as dg

notes_documents = dg.DynamicPartitionsDefinition(name="notes_documents")
