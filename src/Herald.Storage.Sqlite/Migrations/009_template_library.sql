-- Layouts and partials (issue 20); the same as PostgreSQL's migration 024. Each belongs to one environment, which leads
-- the key. Not versioned: a change applies to every render after it.
CREATE TABLE template_layouts(environment_id TEXT NOT NULL, layout_id TEXT NOT NULL, description TEXT, html TEXT NOT NULL, text TEXT,
  updated_at INTEGER NOT NULL, PRIMARY KEY(environment_id, layout_id));
CREATE TABLE template_partials(environment_id TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY(environment_id, name));
