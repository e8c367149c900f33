INSERT INTO script_watch (project_id, size, modified_ns, content_hash, problem)
VALUES (%(project_id)s, %(size)s, %(modified_ns)s, %(content_hash)s, %(problem)s)
ON CONFLICT (project_id) DO UPDATE
SET size = EXCLUDED.size, modified_ns = EXCLUDED.modified_ns, content_hash = EXCLUDED.content_hash,
    problem = EXCLUDED.problem, checked_at = now()
