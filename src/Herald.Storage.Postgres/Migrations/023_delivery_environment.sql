-- A delivery carries its notification's environment (issue 18), so what reads deliveries without their notification (the
-- claim and its gate, provider callbacks, unsubscribe links, the feed item an in-app delivery writes, erasure) acts in
-- the right environment without a join. Every earlier delivery is the default environment's, as its notification is.
ALTER TABLE deliveries ADD COLUMN environment_id text NOT NULL DEFAULT 'env_default';
