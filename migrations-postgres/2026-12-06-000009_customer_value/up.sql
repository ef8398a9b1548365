-- Customer value (BG/NBD and Gamma-Gamma), per customer as the last refresh computed it
-- over its default horizon: purchase days (several sales on one day are one), the
-- probability the customer is still buying, the purchase days and the spend expected in
-- the horizon. NULL where the models could not be fitted (too few repeat customers) or
-- the customer has no completed purchase.
ALTER TABLE customer_analytics ADD COLUMN purchase_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_analytics ADD COLUMN p_alive DOUBLE PRECISION;
ALTER TABLE customer_analytics ADD COLUMN expected_purchases DOUBLE PRECISION;
ALTER TABLE customer_analytics ADD COLUMN expected_value_cents BIGINT;
CREATE INDEX customer_analytics_by_value ON customer_analytics (expected_value_cents, customer_id);
CREATE INDEX customer_analytics_by_p_alive ON customer_analytics (p_alive, customer_id);
