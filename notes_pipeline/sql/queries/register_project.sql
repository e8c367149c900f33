-- Register a project the first time any stage sees it; a later call changes nothing.
INSERT INTO projects (id, source_key, source_name, content_hash)
VALUES (%(id)s, %(source_key)s, %(source_name)s, %(content_hash)s)
ON CONFLICT (id) DO NOTHING
