-- Live worker processes (heartbeats on the database's clock), from which every node computes the same spread of the
-- lanes' partitions over the workers.
CREATE TABLE worker_nodes(id text PRIMARY KEY, seen_at timestamptz NOT NULL);
