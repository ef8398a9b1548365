-- What several crm-trends processes sharing one store tell each other through it (on SQLite
-- there is one process, and the same tables serve it).
--
-- The change log: one entry per write that changes what a prepared result shows, in commit
-- order (writes land one at a time). Every process reads the entries past the last one it
-- saw, about once a second, and stops using the prepared cards they touch. Entries older
-- than a few minutes are pruned; a process that fell further behind drops all it prepared.
CREATE TABLE crm_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The process that wrote it (it has already applied its own).
    replica TEXT COLLATE "C" NOT NULL,
    -- Milliseconds since 1970 on the store's clock.
    made_at_ms BIGINT NOT NULL,
    -- JSON arrays: customers whose card changed; products renamed or recategorised.
    customers TEXT NOT NULL,
    products TEXT NOT NULL,
    -- Whether the catalogue (stock, packs, lead times) or the calendar changed.
    catalogue BOOLEAN NOT NULL,
    calendar BOOLEAN NOT NULL
);

-- One analytics refresh at a time across processes: the holder and until when (store clock,
-- ms) it holds the lease; it renews the lease while it runs, and a holder that died is
-- replaced once its lease expires.
CREATE TABLE crm_refresh_lease (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
INSERT INTO crm_refresh_lease (id, holder, expires_at_ms) VALUES (1, '', 0);

-- Who made each generation of prepared cards, and when: a process deletes its own older
-- generations at once, another's only once no live process can still be serving it.
CREATE TABLE card_generations (
    generation BIGINT PRIMARY KEY NOT NULL,
    replica TEXT COLLATE "C" NOT NULL,
    created_at_ms BIGINT NOT NULL
);

-- Which process ran each refresh.
ALTER TABLE analytics_runs ADD COLUMN replica TEXT;
