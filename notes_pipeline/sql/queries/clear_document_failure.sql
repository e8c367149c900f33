-- The failed stage succeeded since (stage given), or a person asked for a retry (stage NULL).
DELETE FROM document_failures
WHERE project_id = %(project_id)s
  AND (%(stage)s::text IS NULL OR stage = %(stage)s::text)
RETURNING project_id
