DROP TABLE prepared_cards;
