-- Projects with a script, a page at a time in id order, with what was last seen of their working copy.
SELECT p.id AS project_id, w.size, w.modified_ns, w.content_hash, w.problem
FROM projects p
LEFT JOIN script_watch w ON w.project_id = p.id
WHERE p.id > %(after)s
  AND EXISTS (SELECT 1 FROM script_versions v WHERE v.project_id = p.id)
ORDER BY p.id
LIMIT %(limit)s
