-- Objects of projects that failed, stopped half-way or never started and were not touched since the
-- cut-off. Only candidates: stages/gc.py checks each against gc_references before it goes.
SELECT DISTINCT a.object_key, a.project_id, s.status, s.last_touched_at
FROM assets a
JOIN project_states s ON s.id = a.project_id
WHERE s.status IN ('failed', 'incomplete', 'registered')
  AND s.last_touched_at < %(before)s
ORDER BY a.object_key
