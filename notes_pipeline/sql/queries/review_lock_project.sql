-- Held until the transaction ends: one writer of a project's script versions at a time.
SELECT pg_advisory_xact_lock(hashtext('script_versions:' || %(project_id)s))
