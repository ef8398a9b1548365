DROP INDEX customer_analytics_by_p_alive;
DROP INDEX customer_analytics_by_value;
ALTER TABLE customer_analytics DROP COLUMN expected_value_cents;
ALTER TABLE customer_analytics DROP COLUMN expected_purchases;
ALTER TABLE customer_analytics DROP COLUMN p_alive;
ALTER TABLE customer_analytics DROP COLUMN purchase_days;
