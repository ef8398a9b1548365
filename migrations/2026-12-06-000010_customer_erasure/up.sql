-- Erasure (DELETE /api/customers/{id}): when a customer's personal data was removed. The
-- row stays, known by its id alone like a placeholder, so the sales keep their customer for
-- the shop's figures; a later sync of the id stores none of its fields again.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMP;
