DROP TABLE source_ids;
ALTER TABLE customers DROP COLUMN erased_at;
