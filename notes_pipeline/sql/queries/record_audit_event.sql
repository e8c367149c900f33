-- Append one event; the same event delivered twice is kept once.
INSERT INTO audit_events (event_id, workflow_id, project_id, run_id, kind, stage, scene, error, data, at)
VALUES (%(event_id)s, %(workflow_id)s, %(project_id)s, %(run_id)s, %(kind)s, %(stage)s, %(scene)s, %(error)s,
        %(data)s, %(at)s)
ON CONFLICT (event_id) DO NOTHING
