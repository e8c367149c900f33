-- Objects of failed or abandoned projects older than the cut-off that no finished or live
-- project still references: safe to delete.
SELECT DISTINCT a.object_key, a.project_id
FROM assets a
JOIN projects p ON p.id = a.project_id
WHERE p.status <> 'done'
  AND p.updated_at < %(before)s
  AND NOT EXISTS (
      SELECT 1
      FROM assets b
      JOIN projects q ON q.id = b.project_id
      WHERE b.object_key = a.object_key
        AND (q.status = 'done' OR q.updated_at >= %(before)s)
  )
ORDER BY a.object_key
