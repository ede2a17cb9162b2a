-- Layouts and partials (issue 20): an environment's email layouts (HTML wrapping an email at {{{body}}}, optionally a
-- text layout) and shared template snippets ({{> name}}). Each belongs to one environment, which leads the key, so the
-- same id in two environments is two rows. Not versioned: a change applies to every render after it.
CREATE TABLE template_layouts(environment_id text NOT NULL, layout_id text NOT NULL, description text, html text NOT NULL, text text,
  updated_at bigint NOT NULL, PRIMARY KEY(environment_id, layout_id));
CREATE TABLE template_partials(environment_id text NOT NULL, name text NOT NULL, source text NOT NULL, updated_at bigint NOT NULL,
  PRIMARY KEY(environment_id, name));
