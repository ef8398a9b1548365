//! What crm-trends processes sharing one store ("replicas") tell each other through it: the
//! change log, the refresh lease and who made each generation of prepared cards. Times are
//! the store's clock (milliseconds since 1970), so replicas on machines whose clocks
//! disagree still agree on when a lease expires.

use crate::schema::{card_generations, crm_changes, crm_refresh_lease, prepared_cards};
use crate::{Backend, Conn, Query, StorageError};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// What one write changed that a prepared result shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Customers whose card changed (their sales, profile or manual tags).
    pub customers: Vec<i64>,
    /// Products renamed or recategorised (cards naming them change).
    pub products: Vec<String>,
    /// The catalogue changed (stock, packs, lead times): reorder advice changes.
    pub catalogue: bool,
    /// The calendar changed: forecasts and event tags change.
    pub calendar: bool,
}

impl Change {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.products.is_empty() && !self.catalogue && !self.calendar
    }
}

/// An entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEntry {
    /// Its place in commit order.
    pub seq: i64,
    /// The replica that wrote it.
    pub replica: String,
    /// What changed.
    pub change: Change,
}

/// The store's clock, in milliseconds since 1970, as an SQL expression.
fn now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS BIGINT)",
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    }
}

/// The store's clock now, in milliseconds since 1970.
pub fn store_now_ms(conn: &mut Conn) -> Result<i64, StorageError> {
    Ok(diesel::select(diesel::dsl::sql::<BigInt>(now_ms(conn.backend()))).get_result_in(conn)?)
}

/// Appends `change`, made by `replica`, to the change log (inside the write that made it);
/// returns its sequence number, or `None` when it changes nothing.
pub fn record_change(conn: &mut Conn, replica: &str, change: &Change) -> Result<Option<i64>, StorageError> {
    if change.is_empty() {
        return Ok(None);
    }
    let customers = serde_json::to_string(&change.customers).map_err(|e| StorageError::Encoding(e.to_string()))?;
    let products = serde_json::to_string(&change.products).map_err(|e| StorageError::Encoding(e.to_string()))?;
    let now = store_now_ms(conn)?;
    let seq = diesel::insert_into(crm_changes::table)
        .values((
            crm_changes::replica.eq(replica),
            crm_changes::made_at_ms.eq(now),
            crm_changes::customers.eq(customers),
            crm_changes::products.eq(products),
            crm_changes::catalogue.eq(change.catalogue),
            crm_changes::calendar.eq(change.calendar),
        ))
        .returning(crm_changes::seq)
        .get_result_in(conn)?;
    Ok(Some(seq))
}

/// The last sequence number in the change log (0 when it is empty), as the connection's
/// transaction sees it.
pub fn last_change(conn: &mut Conn) -> Result<i64, StorageError> {
    let last: Option<i64> = crm_changes::table.select(diesel::dsl::max(crm_changes::seq)).first_in(conn)?;
    Ok(last.unwrap_or(0))
}

/// Up to `limit` entries after `seq`, in order.
pub fn changes_after(conn: &mut Conn, seq: i64, limit: i64) -> Result<Vec<ChangeEntry>, StorageError> {
    type Row = (i64, String, String, String, bool, bool);
    let rows: Vec<Row> = crm_changes::table
        .filter(crm_changes::seq.gt(seq))
        .order(crm_changes::seq)
        .select((
            crm_changes::seq,
            crm_changes::replica,
            crm_changes::customers,
            crm_changes::products,
            crm_changes::catalogue,
            crm_changes::calendar,
        ))
        .limit(limit)
        .load_in(conn)?;
    rows.into_iter()
        .map(|(seq, replica, customers, products, catalogue, calendar)| {
            let unreadable = |e: serde_json::Error| StorageError::Encoding(format!("change log entry {seq}: {e}"));
            Ok(ChangeEntry {
                seq,
                replica,
                change: Change {
                    customers: serde_json::from_str(&customers).map_err(unreadable)?,
                    products: serde_json::from_str(&products).map_err(unreadable)?,
                    catalogue,
                    calendar,
                },
            })
        })
        .collect()
}

/// Deletes the entries older than `age_ms` on the store's clock; returns how many went.
pub fn prune_changes(conn: &mut Conn, age_ms: i64) -> Result<usize, StorageError> {
    let cutoff = store_now_ms(conn)?.saturating_sub(age_ms);
    Ok(diesel::delete(crm_changes::table.filter(crm_changes::made_at_ms.lt(cutoff))).execute_in(conn)?)
}

/// Takes (or renews) the refresh lease for `holder` for `ttl_ms`, when it is free, expired
/// or already `holder`'s; returns whether `holder` holds it now.
pub fn take_refresh_lease(conn: &mut Conn, holder: &str, ttl_ms: i64) -> Result<bool, StorageError> {
    let now = now_ms(conn.backend());
    let text = conn.sql(&format!(
        "UPDATE crm_refresh_lease SET holder = ?, expires_at_ms = {now} + ?
         WHERE id = 1 AND (holder = ? OR holder = '' OR expires_at_ms < {now})"
    ));
    let taken = diesel::sql_query(text)
        .bind::<Text, _>(holder)
        .bind::<BigInt, _>(ttl_ms)
        .bind::<Text, _>(holder)
        .execute_in(conn)?;
    Ok(taken == 1)
}

/// Gives the refresh lease back, if `holder` holds it.
pub fn release_refresh_lease(conn: &mut Conn, holder: &str) -> Result<(), StorageError> {
    diesel::update(
        crm_refresh_lease::table.filter(crm_refresh_lease::id.eq(1)).filter(crm_refresh_lease::holder.eq(holder)),
    )
    .set((crm_refresh_lease::holder.eq(""), crm_refresh_lease::expires_at_ms.eq(0)))
    .execute_in(conn)?;
    Ok(())
}

/// Who holds the refresh lease and for how many more milliseconds, if anyone does.
pub fn refresh_lease(conn: &mut Conn) -> Result<Option<(String, i64)>, StorageError> {
    let (holder, expires): (String, i64) = crm_refresh_lease::table
        .filter(crm_refresh_lease::id.eq(1))
        .select((crm_refresh_lease::holder, crm_refresh_lease::expires_at_ms))
        .first_in(conn)?;
    let left = expires.saturating_sub(store_now_ms(conn)?);
    Ok((!holder.is_empty() && left > 0).then_some((holder, left)))
}

/// A new generation of prepared cards, after every one in the store, made by `replica`.
pub fn new_card_generation(conn: &mut Conn, replica: &str) -> Result<i64, StorageError> {
    let rows: Option<i64> =
        prepared_cards::table.select(diesel::dsl::max(prepared_cards::generation)).first_in(conn)?;
    let made: Option<i64> =
        card_generations::table.select(diesel::dsl::max(card_generations::generation)).first_in(conn)?;
    let generation = rows.max(made).map_or(1, |g| g.saturating_add(1));
    let now = store_now_ms(conn)?;
    diesel::insert_into(card_generations::table)
        .values((
            card_generations::generation.eq(generation),
            card_generations::replica.eq(replica),
            card_generations::created_at_ms.eq(now),
        ))
        .execute_in(conn)?;
    Ok(generation)
}

/// Deletes up to `limit` rows of prepared cards that no replica serves: of generations
/// other than `kept` that `replica` made, that nobody is known to have made (left by an
/// earlier version), or that another replica made more than `others_after_ms` ago (`None`:
/// any age, for a store only one process uses). Returns how many rows went (fewer than
/// `limit`: none is left); a generation whose rows are all gone is forgotten.
pub fn delete_unserved_cards(
    conn: &mut Conn,
    (kept, replica): (i64, &str),
    others_after_ms: Option<i64>,
    limit: i64,
) -> Result<usize, StorageError> {
    let cutoff = match others_after_ms {
        Some(age) => store_now_ms(conn)?.saturating_sub(age),
        None => i64::MAX,
    };
    let live: Vec<i64> = card_generations::table
        .filter(card_generations::replica.ne(replica))
        .filter(card_generations::created_at_ms.ge(cutoff))
        .select(card_generations::generation)
        .load_in(conn)?;
    let doomed = prepared_cards::table
        .filter(prepared_cards::generation.ne(kept))
        .filter(prepared_cards::generation.ne_all(&live))
        .select((prepared_cards::generation, prepared_cards::customer_id))
        .limit(limit)
        .load_in::<(i64, i64)>(conn)?;
    let mut deleted = 0;
    for key in doomed {
        deleted += diesel::delete(prepared_cards::table.find(key)).execute_in(conn)?;
    }
    if i64::try_from(deleted).unwrap_or(i64::MAX) < limit {
        // Every unserved row is gone: forget those generations.
        let served: Vec<i64> = live.into_iter().chain([kept]).collect();
        diesel::delete(card_generations::table.filter(card_generations::generation.ne_all(&served)))
            .execute_in(conn)?;
    }
    Ok(deleted)
}

/// A generation of prepared cards as its maker installed it: what another replica needs to
/// serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCards {
    /// The generation.
    pub generation: i64,
    /// The change log position its refresh read up to.
    pub sequence: i64,
    /// The store-local day its cards are ranked for.
    pub ranked_for: NaiveDate,
    /// The refresh's as-of day.
    pub as_of: NaiveDate,
    /// Cards written.
    pub cards: i64,
    /// The product numbering its rows refer to, as the service encoded it.
    pub labels: Vec<u8>,
}

/// Records that `installed.generation` is installed, with what serving it takes.
pub fn record_installed_cards(conn: &mut Conn, installed: &InstalledCards) -> Result<(), StorageError> {
    let now = store_now_ms(conn)?;
    diesel::update(card_generations::table.find(installed.generation))
        .set((
            card_generations::installed_at_ms.eq(now),
            card_generations::sequence.eq(installed.sequence),
            card_generations::ranked_for.eq(installed.ranked_for),
            card_generations::as_of.eq(installed.as_of),
            card_generations::cards.eq(installed.cards),
            card_generations::labels.eq(&installed.labels),
        ))
        .execute_in(conn)?;
    Ok(())
}

/// The installed generation that read furthest in the change log (the newest of those on a
/// tie), as (generation, sequence), if any: cheap, for asking every second.
pub fn newest_installed_generation(conn: &mut Conn) -> Result<Option<(i64, i64)>, StorageError> {
    let row: Option<(i64, Option<i64>)> = card_generations::table
        .filter(card_generations::installed_at_ms.is_not_null())
        .order((card_generations::sequence.desc(), card_generations::generation.desc()))
        .select((card_generations::generation, card_generations::sequence))
        .first_in(conn)
        .optional()?;
    Ok(row.and_then(|(generation, sequence)| Some((generation, sequence?))))
}

/// Installed generation `generation` with what serving it takes, if it is installed.
pub fn installed_cards(conn: &mut Conn, generation: i64) -> Result<Option<InstalledCards>, StorageError> {
    type Row = (i64, Option<i64>, Option<NaiveDate>, Option<NaiveDate>, Option<i64>, Option<Vec<u8>>);
    let row: Option<Row> = card_generations::table
        .find(generation)
        .filter(card_generations::installed_at_ms.is_not_null())
        .select((
            card_generations::generation,
            card_generations::sequence,
            card_generations::ranked_for,
            card_generations::as_of,
            card_generations::cards,
            card_generations::labels,
        ))
        .first_in(conn)
        .optional()?;
    Ok(row.and_then(|(generation, sequence, ranked_for, as_of, cards, labels)| {
        Some(InstalledCards {
            generation,
            sequence: sequence?,
            ranked_for: ranked_for?,
            as_of: as_of?,
            cards: cards?,
            labels: labels?,
        })
    }))
}
