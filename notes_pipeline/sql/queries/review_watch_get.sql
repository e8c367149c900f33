SELECT project_id, size, modified_ns, content_hash, problem FROM script_watch WHERE project_id = %(project_id)s
