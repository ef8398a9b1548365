//! The checkout cards the analytics refresh prepared, one row per customer and refresh
//! ("generation"): written in batches, read one at a time, the older generations deleted
//! in batches once no replica serves them (see [`crate::replicas`]). The facts are bytes the service encodes.

use crate::Query;
use crate::schema::prepared_cards;
use crate::{Conn, MAX_BINDS, StorageError};
use diesel::prelude::*;

/// Rows written by one statement (three binds each).
pub const CARD_ROWS_PER_STATEMENT: usize = MAX_BINDS / 3;

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
