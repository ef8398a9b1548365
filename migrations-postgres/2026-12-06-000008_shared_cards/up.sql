-- What a replica needs to serve a generation of prepared cards another replica made, set
-- when its maker installs it (all its rows written): the change log position the refresh
-- read up to, the day its cards are ranked for, the refresh's as-of day, how many cards,
-- and the product numbering the rows refer to (encoded by the service).
ALTER TABLE card_generations ADD COLUMN installed_at_ms BIGINT;
ALTER TABLE card_generations ADD COLUMN sequence BIGINT;
ALTER TABLE card_generations ADD COLUMN ranked_for DATE;
ALTER TABLE card_generations ADD COLUMN as_of DATE;
ALTER TABLE card_generations ADD COLUMN cards BIGINT;
ALTER TABLE card_generations ADD COLUMN labels BYTEA;
