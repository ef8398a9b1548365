-- Every customer's checkout card as the analytics refresh prepared it: one compact row per
-- customer and refresh (a "generation"), so the process keeps only the cards in use and
-- each reader of the store could serve them. The refresh writes a new generation in
-- batches while the last one is served, switches to it, then deletes the older rows. The
-- card's facts are encoded by the service (crm-service's cards module); a row is used only
-- while the service knows it is still exact (its in-memory marks of what changed since).
CREATE TABLE prepared_cards (
    generation BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    facts BYTEA NOT NULL,
    PRIMARY KEY (generation, customer_id)
);
