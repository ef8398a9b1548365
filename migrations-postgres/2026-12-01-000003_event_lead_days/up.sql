-- An event's own lead days: the days before it whose purchases earn its purpose tag (and,
-- with the forecast, its demand build-up). NULL: the store's default, CRM_EVENT_TAG_LEAD_DAYS.
-- The range is the same as that option's; the database checks it on every insert and update.
ALTER TABLE calendar_events ADD COLUMN lead_days INTEGER CHECK (lead_days BETWEEN 0 AND 60);
