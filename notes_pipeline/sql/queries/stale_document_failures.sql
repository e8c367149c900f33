-- Failures recorded by another version of the code: the new code may get past them, so they are run again.
SELECT project_id, stage, reason, content_hash, options_hash, code_version, run_id, failed_at
FROM document_failures
WHERE code_version <> %(code_version)s
ORDER BY failed_at, project_id
LIMIT %(limit)s
