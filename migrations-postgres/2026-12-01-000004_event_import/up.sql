-- Events imported from an iCalendar file remember where they came from: the file's UID and
-- the occurrence's date there (a recurring event gives one event per occurrence, all with
-- its UID), so a re-import finds them whatever the user changed since, and when the import
-- last wrote them: an event updated after that was edited by a user and is left alone.
ALTER TABLE calendar_events ADD COLUMN uid TEXT COLLATE "C";
ALTER TABLE calendar_events ADD COLUMN source_date DATE;
ALTER TABLE calendar_events ADD COLUMN imported_at TIMESTAMP;
CREATE UNIQUE INDEX calendar_events_by_source ON calendar_events (uid, source_date) WHERE uid IS NOT NULL;
