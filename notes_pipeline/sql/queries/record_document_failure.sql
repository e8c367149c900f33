-- A stage of the document failed: remember why and what it depended on (the latest failure wins).
INSERT INTO document_failures (project_id, stage, reason, content_hash, options_hash, code_version, run_id)
VALUES (%(project_id)s, %(stage)s, %(reason)s, %(content_hash)s, %(options_hash)s, %(code_version)s, %(run_id)s)
ON CONFLICT (project_id) DO UPDATE
SET stage = EXCLUDED.stage, reason = EXCLUDED.reason, content_hash = EXCLUDED.content_hash,
    options_hash = EXCLUDED.options_hash, code_version = EXCLUDED.code_version, run_id = EXCLUDED.run_id,
    failed_at = now()
