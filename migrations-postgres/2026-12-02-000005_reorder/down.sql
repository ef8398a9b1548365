DROP INDEX stock_snapshots_out;
DROP TABLE stock_snapshots;
ALTER TABLE products DROP COLUMN discontinued;
ALTER TABLE products DROP COLUMN min_order_quantity;
ALTER TABLE products DROP COLUMN pack_size;
