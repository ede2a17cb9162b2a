-- A delivery carries its notification's environment (issue 18); the same as PostgreSQL's migration 023. Every earlier
-- delivery is the default environment's, as its notification is.
ALTER TABLE deliveries ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_default';
