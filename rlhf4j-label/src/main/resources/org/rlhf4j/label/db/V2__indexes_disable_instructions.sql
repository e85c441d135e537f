-- Version 2: queue lookups by labeler, account disabling, per-project labeler instructions.
CREATE INDEX assignments_by_user ON assignments (user_id, position);
CREATE INDEX items_by_project ON items (project_id, task);
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN instructions TEXT;
