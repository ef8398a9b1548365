DROP INDEX calendar_events_by_source;
ALTER TABLE calendar_events DROP COLUMN imported_at;
ALTER TABLE calendar_events DROP COLUMN source_date;
ALTER TABLE calendar_events DROP COLUMN uid;
