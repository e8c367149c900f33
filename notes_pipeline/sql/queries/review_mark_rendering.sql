-- A run is rendering this version now: no other run needs to be requested for it.
UPDATE script_versions
SET render_requested_at = COALESCE(render_requested_at, now())
WHERE project_id = %(project_id)s AND version = %(version)s
