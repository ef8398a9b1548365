-- What reorder advice needs from the catalogue: whole packs, the supplier's minimum order,
-- and products no longer sold.
ALTER TABLE products ADD COLUMN pack_size BIGINT;
ALTER TABLE products ADD COLUMN min_order_quantity BIGINT;
ALTER TABLE products ADD COLUMN discontinued BOOLEAN NOT NULL DEFAULT FALSE;

-- A daily stock snapshot from the products syncs, kept as changes: the level a product
-- closed each store-local day with, written on the days a sync reported a new level (the
-- last report of a day wins); on the days between, the level held. The forecast leaves a
-- day out of a product's demand history when the product closed it with nothing in stock
-- and sold nothing: demand that day is unknown, not zero.
CREATE TABLE stock_snapshots (
    product_id TEXT COLLATE "C" NOT NULL REFERENCES products (id),
    day DATE NOT NULL,
    stock_on_hand BIGINT NOT NULL,
    PRIMARY KEY (product_id, day)
);
-- Stock-outs are few: the refresh reads them, and what ended them, through this index.
CREATE INDEX stock_snapshots_out ON stock_snapshots (day) WHERE stock_on_hand <= 0;

-- The levels already known start the record, on the day they were last synced.
INSERT INTO stock_snapshots (product_id, day, stock_on_hand)
SELECT id, CAST(updated_at AS DATE), stock_on_hand FROM products WHERE stock_on_hand IS NOT NULL AND NOT placeholder;
