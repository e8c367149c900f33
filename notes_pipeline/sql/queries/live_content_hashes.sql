-- Input hashes of artefacts that delivered, live or recent projects use: their cache entries stay.
SELECT DISTINCT a.content_hash
FROM assets a
JOIN project_states s ON s.id = a.project_id
WHERE a.content_hash IS NOT NULL
  AND (s.status IN ('done', 'running', 'review') OR s.last_touched_at >= %(before)s)
