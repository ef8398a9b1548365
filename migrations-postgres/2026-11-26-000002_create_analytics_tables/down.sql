DROP TABLE analytics_runs;
DROP TABLE customer_rule_tags;
DROP TABLE customer_tags;
DROP TABLE product_pairs;
DROP TABLE product_trends;
DROP TABLE rfm_cell_counts;
DROP TABLE segment_day_counts;
DROP TABLE customer_analytics;
