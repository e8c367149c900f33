-- A file in the inbox whose name cannot be used (not valid UTF-8, control characters, a hidden or
-- temporary file's leading dot) is 'refused': the sensor says so once and never retries it until the
-- file changes, unlike 'skipped' (an unreadable file, tried again after a delay). An undecodable
-- byte of a local name is stored as a private-use character (store/inbox_index.py: storable_key).

ALTER TABLE inbox_objects DROP CONSTRAINT inbox_objects_outcome_check;
ALTER TABLE inbox_objects DROP CONSTRAINT inbox_objects_check;
ALTER TABLE inbox_objects
    ADD CONSTRAINT inbox_objects_outcome_check CHECK (outcome IN ('registered', 'duplicate', 'skipped', 'refused')),
    ADD CONSTRAINT inbox_objects_doc_id_check CHECK ((outcome IN ('skipped', 'refused')) = (doc_id IS NULL));
