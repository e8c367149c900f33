-- One workflow's events in the order they were recorded.
SELECT event_id, workflow_id, project_id, run_id, kind, stage, scene, error, data, at
FROM audit_events
WHERE workflow_id = %(workflow_id)s
ORDER BY id
