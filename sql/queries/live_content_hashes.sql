-- Input hashes of artefacts that finished or recent projects use: their cache entries stay.
SELECT DISTINCT a.content_hash
FROM assets a
JOIN projects p ON p.id = a.project_id
WHERE a.content_hash IS NOT NULL
  AND (p.status = 'done' OR p.updated_at >= %(before)s)
