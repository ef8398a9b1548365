ALTER TABLE calendar_events DROP COLUMN lead_days;
