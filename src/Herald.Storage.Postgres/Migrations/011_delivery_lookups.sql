-- How many times the reconciler has taken a delivery whose send outcome is unknown: a provider look-up that failed is
-- asked again later, a bounded number of times, before the priority's unknown-outcome policy decides.
ALTER TABLE deliveries ADD COLUMN lookups integer NOT NULL DEFAULT 0;
