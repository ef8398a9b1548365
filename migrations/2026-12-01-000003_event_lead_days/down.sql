-- DROP COLUMN needs SQLite 3.35 or later (the bundled library is newer).
ALTER TABLE calendar_events DROP COLUMN lead_days;
