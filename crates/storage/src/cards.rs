//! The checkout cards the analytics refresh prepared, one row per customer and refresh
//! ("generation"): written in batches, read one at a time, the older generations deleted
//! in batches once a newer one is served. The facts are bytes the service encodes.

use crate::Query;
use crate::schema::prepared_cards;
use crate::{Conn, MAX_BINDS, StorageError};
use diesel::prelude::*;

/// Rows written by one statement (three binds each).
pub const CARD_ROWS_PER_STATEMENT: usize = MAX_BINDS / 3;

/// The generation after every one in the store: a process that starts again never reuses
/// the number of rows it did not write.
pub fn next_card_generation(conn: &mut Conn) -> Result<i64, StorageError> {
    let last: Option<i64> =
        prepared_cards::table.select(diesel::dsl::max(prepared_cards::generation)).first_in(conn)?;
    Ok(last.map_or(1, |g| g.saturating_add(1)))
}

/// Writes `cards` (customer id, encoded facts) into `generation`.
pub fn insert_prepared_cards(conn: &mut Conn, generation: i64, cards: &[(i64, Vec<u8>)]) -> Result<(), StorageError> {
    for chunk in cards.chunks(CARD_ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(customer, facts)| {
                (
                    prepared_cards::generation.eq(generation),
                    prepared_cards::customer_id.eq(customer),
                    prepared_cards::facts.eq(facts.as_slice()),
                )
            })
            .collect();
        diesel::insert_into(prepared_cards::table).values(&rows).execute_in(conn)?;
    }
    Ok(())
}

/// The customer's encoded facts in `generation`, if it has a row there.
pub fn prepared_card(conn: &mut Conn, generation: i64, customer: i64) -> Result<Option<Vec<u8>>, StorageError> {
    Ok(prepared_cards::table.find((generation, customer)).select(prepared_cards::facts).first_in(conn).optional()?)
}

/// Deletes up to `limit` rows of generations other than `kept`; returns how many went (fewer
/// than `limit`: none is left). In batches, so that a sync waits for the writer no longer
/// than one batch takes.
pub fn delete_other_card_generations(conn: &mut Conn, kept: i64, limit: i64) -> Result<usize, StorageError> {
    let doomed = prepared_cards::table
        .filter(prepared_cards::generation.ne(kept))
        .select((prepared_cards::generation, prepared_cards::customer_id))
        .limit(limit)
        .load_in::<(i64, i64)>(conn)?;
    let mut deleted = 0;
    for key in doomed {
        deleted += diesel::delete(prepared_cards::table.find(key)).execute_in(conn)?;
    }
    Ok(deleted)
}
