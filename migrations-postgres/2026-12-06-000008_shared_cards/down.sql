ALTER TABLE card_generations DROP COLUMN labels;
ALTER TABLE card_generations DROP COLUMN cards;
ALTER TABLE card_generations DROP COLUMN as_of;
ALTER TABLE card_generations DROP COLUMN ranked_for;
ALTER TABLE card_generations DROP COLUMN sequence;
ALTER TABLE card_generations DROP COLUMN installed_at_ms;
