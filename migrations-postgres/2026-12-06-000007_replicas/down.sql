ALTER TABLE analytics_runs DROP COLUMN replica;
DROP TABLE card_generations;
DROP TABLE crm_refresh_lease;
DROP TABLE crm_changes;
