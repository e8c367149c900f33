-- The document's recorded failure, if any.
SELECT project_id, stage, reason, content_hash, options_hash, code_version, run_id, failed_at
FROM document_failures
WHERE project_id = %(project_id)s
