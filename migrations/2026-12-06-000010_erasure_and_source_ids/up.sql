-- Erasure (DELETE /api/customers/{id}): when a customer's personal data was removed. The
-- row stays, known by its id alone like a placeholder, so the sales keep their customer for
-- the shop's figures; a later sync of the id stores none of its fields again.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMP;

-- The import's id map: a source id that is not a number (an order number such as #1001, a
-- customer known by e-mail) and the numeric id it stands for, the same on every import.
-- Mapped ids count down from 2^53 - 1, far from the ids a POS numbers from 1.
CREATE TABLE source_ids (
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    id BIGINT NOT NULL,
    PRIMARY KEY (kind, source),
    UNIQUE (kind, id)
);
