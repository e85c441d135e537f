-- Version 1: accounts, sessions, projects, items, assignments, labels.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  role TEXT NOT NULL CHECK (role IN ('admin', 'labeler')),
  created_at INTEGER NOT NULL
);
CREATE TABLE invites (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  expires_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  tasks TEXT NOT NULL,
  k INTEGER NOT NULL,
  source TEXT NOT NULL,
  model_a TEXT,
  model_b TEXT,
  status TEXT NOT NULL,
  status_detail TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  task TEXT NOT NULL CHECK (task IN ('demonstration', 'ranking', 'ab')),
  prompt_id TEXT NOT NULL,
  prompt TEXT NOT NULL,
  category TEXT,
  candidates_json TEXT
);
CREATE TABLE assignments (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  position INTEGER NOT NULL,
  swap INTEGER NOT NULL DEFAULT 0,
  opened_at INTEGER,
  UNIQUE (item_id, user_id)
);
CREATE TABLE labels (
  id INTEGER PRIMARY KEY,
  assignment_id INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
  payload TEXT NOT NULL,
  duration_ms INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
