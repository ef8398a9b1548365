-- The core store: what the POS syncs, plus per-day aggregates kept current by ingest.
-- Ids are the POS's own; INTEGER PRIMARY KEY makes them SQLite rowids (no extra index).

CREATE TABLE customers (
    id INTEGER PRIMARY KEY NOT NULL,
    -- NULL name marks a placeholder: a sale named the customer before the customer synced.
    name TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    notes TEXT,
    pos_created_at TIMESTAMP,
    placeholder BOOLEAN NOT NULL,
    first_seen_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    category TEXT,
    stock_on_hand BIGINT,
    lead_time_days INTEGER,
    unit_cost_e4 BIGINT,
    -- TRUE while the product is known only from sale lines, not from a catalogue sync.
    placeholder BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sales (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id BIGINT REFERENCES customers (id),
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    created_at TIMESTAMP NOT NULL,
    -- The store-local day of created_at, fixed at ingest from the configured time zone.
    local_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('completed', 'refunded', 'voided')),
    store_id TEXT,
    payment_method TEXT,
    -- Units across the sale's lines, so aggregates never need the lines.
    units BIGINT NOT NULL,
    synced_at TIMESTAMP NOT NULL
);
CREATE INDEX sales_by_local_date ON sales (local_date);
CREATE INDEX sales_by_customer ON sales (customer_id, created_at);

-- Clustered by sale: a sale's lines are written and read together. There is deliberately
-- no index by product: per-product questions are answered from product_sales_daily, and
-- an index scattered over every product would cost most of the ingest time.
CREATE TABLE sale_items (
    sale_id BIGINT NOT NULL REFERENCES sales (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    product_name TEXT,
    category TEXT,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_e4 BIGINT NOT NULL CHECK (unit_price_e4 >= 0),
    PRIMARY KEY (sale_id, line_no)
) WITHOUT ROWID;

-- One row per store-local day that has any completed or refunded sale. Maintained in the
-- same transaction as every sale insert and update; equal to a recomputation over sales.
CREATE TABLE sales_daily (
    local_date DATE PRIMARY KEY NOT NULL,
    revenue_cents BIGINT NOT NULL,
    sale_count BIGINT NOT NULL,
    units BIGINT NOT NULL,
    refund_count BIGINT NOT NULL,
    refunded_cents BIGINT NOT NULL
);

-- Per store-local day and product, over completed sales' lines: units, line revenue and
-- the number of sales with the product. Kept like sales_daily, in the sync transaction;
-- keyed by day first so a batch of recent sales touches only the newest pages.
CREATE TABLE product_sales_daily (
    local_date DATE NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    units BIGINT NOT NULL,
    revenue_cents BIGINT NOT NULL,
    sale_count BIGINT NOT NULL,
    PRIMARY KEY (local_date, product_id)
) WITHOUT ROWID;

CREATE TABLE calendar_events (
    id INTEGER PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    name TEXT NOT NULL,
    date DATE NOT NULL,
    end_date DATE,
    impact_level TEXT NOT NULL,
    expected_demand_multiplier DOUBLE NOT NULL,
    notes TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX calendar_events_by_date ON calendar_events (date);

-- Rows per synced table, kept by ingest in the same transaction as the inserts, so health
-- checks and dashboards never count a million sales.
CREATE TABLE record_counts (
    kind TEXT PRIMARY KEY NOT NULL CHECK (kind IN ('customers', 'sales', 'products')),
    records BIGINT NOT NULL
);
INSERT INTO record_counts (kind, records) VALUES ('customers', 0), ('sales', 0), ('products', 0);

-- One row per accepted sync batch; rejected batches write nothing.
CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('customers', 'sales', 'products')),
    received BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    -- High-water marks of the batch, for incremental sync.
    max_record_id BIGINT,
    max_created_at TIMESTAMP,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
CREATE INDEX sync_runs_by_kind ON sync_runs (kind, id);
