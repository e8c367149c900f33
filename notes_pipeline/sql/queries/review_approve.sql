-- Approving twice keeps the first approval.
INSERT INTO script_approvals (project_id, version, approved_by)
VALUES (%(project_id)s, %(version)s, %(approved_by)s)
ON CONFLICT (project_id, version) DO NOTHING
RETURNING approved_at
