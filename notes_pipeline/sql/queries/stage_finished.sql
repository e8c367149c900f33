UPDATE stage_runs SET ended_at = now(), status = %(status)s, error = %(error)s WHERE id = %(id)s
