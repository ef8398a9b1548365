-- Derived analytics: rewritten whole by each background refresh from the synced data,
-- never by ingest, so syncs and refreshes do not contend for the same rows.

-- One row per customer: the seed's segment, RFM scores and the totals behind them.
CREATE TABLE customer_analytics (
    customer_id INTEGER PRIMARY KEY NOT NULL REFERENCES customers (id),
    segment TEXT NOT NULL CHECK (segment IN ('prospect', 'new', 'regular', 'vip')),
    lapsed BOOLEAN NOT NULL,
    recency_score INTEGER,
    frequency_score INTEGER,
    monetary_score INTEGER,
    rfm_segment TEXT,
    visits BIGINT NOT NULL,
    total_spent_cents BIGINT NOT NULL,
    first_purchase DATE,
    last_purchase DATE
);
CREATE INDEX customer_analytics_by_segment ON customer_analytics (segment);
CREATE INDEX customer_analytics_by_rfm_segment ON customer_analytics (rfm_segment);

-- Customers per (segment, day of last purchase) and per RFM cell, so the dashboard and
-- the segments view add up a few hundred rows instead of counting every customer.
CREATE TABLE segment_day_counts (
    segment TEXT NOT NULL,
    last_purchase DATE,
    customers BIGINT NOT NULL
);
CREATE TABLE rfm_cell_counts (
    recency_score INTEGER NOT NULL,
    frequency_score INTEGER NOT NULL,
    rfm_segment TEXT NOT NULL,
    customers BIGINT NOT NULL,
    PRIMARY KEY (recency_score, frequency_score)
);

-- Product popularity and trend direction.
CREATE TABLE product_trends (
    product_id TEXT PRIMARY KEY NOT NULL REFERENCES products (id),
    popularity_score DOUBLE NOT NULL,
    popularity_rank INTEGER NOT NULL,
    trend_direction TEXT NOT NULL CHECK (trend_direction IN ('up', 'down', 'flat')),
    decayed_units DOUBLE NOT NULL,
    decayed_revenue_cents DOUBLE NOT NULL,
    recent_units BIGINT NOT NULL
);
CREATE INDEX product_trends_by_rank ON product_trends (popularity_rank);

-- Products bought together (co-purchase statistics), for recommendations.
CREATE TABLE product_pairs (
    product_a TEXT NOT NULL,
    product_b TEXT NOT NULL,
    together BIGINT NOT NULL,
    baskets_with_a BIGINT NOT NULL,
    baskets_with_b BIGINT NOT NULL,
    lift DOUBLE NOT NULL,
    PRIMARY KEY (product_a, product_b)
) WITHOUT ROWID;
CREATE INDEX product_pairs_by_b ON product_pairs (product_b);

-- Purpose tags given by hand at the POS or in the dashboard.
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_tags_by_tag ON customer_tags (tag);

-- Purpose tags given by the category rules (CRM_PURPOSE_TAGS), recomputed by each refresh.
CREATE TABLE customer_rule_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
) WITHOUT ROWID;
CREATE INDEX customer_rule_tags_by_tag ON customer_rule_tags (tag);

-- One row per finished refresh.
CREATE TABLE analytics_runs (
    id INTEGER PRIMARY KEY NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    as_of DATE NOT NULL,
    customers BIGINT NOT NULL,
    products BIGINT NOT NULL,
    pairs BIGINT NOT NULL
);
