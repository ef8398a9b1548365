//! The id map: the numeric ids given to a POS's text ids (order names such as `#1001`,
//! customers known by e-mail), kept in the store so that every import, straight into the
//! store or through a server, maps a source id to the same id.
//!
//! New ids count down from the largest id a sync accepts (2^53 − 1), far above the
//! numbers a POS gives its own records, so the two do not meet.

use crate::{Invalid, Service, ServiceError};
use crm_domain::{FieldError, MAX_ID, TextRule, required_text};
use crm_storage::export as stored;

/// Most source ids in one request.
pub const MAX_SOURCE_IDS: usize = 1_000;
/// A source id: one line of at most 255 characters.
pub const SOURCE_ID: TextRule = TextRule::line(255);

/// What a source id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A customer (a sale's customer, a customers file's id).
    Customer,
    /// A sale.
    Sale,
}

impl SourceKind {
    /// The kind's name in the store and the API (`customer`, `sale`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Sale => "sale",
        }
    }
}

/// What the id map gives a list of source ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIds {
    /// Each source id's numeric id, in the order asked; `None` for one the map does not
    /// hold when none was to be given.
    pub ids: Vec<Option<i64>>,
    /// The lowest id the map has given to this kind (after this request's), if any: an id
    /// below it is free.
    pub lowest: Option<i64>,
}

/// A source id as the map keys it (trimmed, NFC), or why it cannot be one.
pub fn source_id(text: &str) -> Result<String, String> {
    required_text(text, SOURCE_ID).map_err(|e| e.to_string())
}

impl Service {
    /// The ids the id map gives `sources` (text ids of `kind`). With `assign`, a source id
    /// the map does not hold yet is given the next free id (counting down) and stored, all
    /// in one transaction; without, it is `None` and nothing is written.
    pub fn source_ids(&self, kind: SourceKind, sources: &[String], assign: bool) -> Result<SourceIds, ServiceError> {
        if sources.len() > MAX_SOURCE_IDS {
            return Err(ServiceError::TooLarge(format!(
                "at most {MAX_SOURCE_IDS} source ids a request, this one has {}; split it",
                sources.len()
            )));
        }
        let mut errors = Vec::new();
        let keys: Vec<String> = sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                source_id(s).map_err(|m| errors.push(FieldError::new(format!("sourceIds[{i}]"), m))).ok()
            })
            .collect();
        if !errors.is_empty() {
            return Err(Invalid::record("some source ids are invalid; nothing was written", errors).into());
        }
        let kind = kind.as_str();
        let answer = |conn: &mut crm_storage::Conn| {
            let known = stored::mapped_ids(conn, kind, &keys)?;
            let lowest = stored::lowest_mapped_id(conn, kind)?;
            Ok::<_, crm_storage::StorageError>((known, lowest))
        };
        if !assign {
            let (known, lowest) = self.db.read(answer)?;
            return Ok(SourceIds { ids: keys.iter().map(|k| known.get(k).copied()).collect(), lowest });
        }
        let assigned = self.db.write(|conn| {
            let (mut known, mut lowest) = answer(conn)?;
            let mut fresh: Vec<(String, i64)> = Vec::new();
            for key in &keys {
                if known.contains_key(key) {
                    continue;
                }
                let id = lowest.unwrap_or(MAX_ID + 1) - 1;
                if id < 1 {
                    return Ok(None);
                }
                lowest = Some(id);
                known.insert(key.clone(), id);
                fresh.push((key.clone(), id));
            }
            stored::add_mapped_ids(conn, kind, &fresh)?;
            Ok(Some(SourceIds { ids: keys.iter().map(|k| known.get(k).copied()).collect(), lowest }))
        })?;
        assigned.ok_or_else(|| ServiceError::TooLarge(format!("the id map has no {kind} id left to give")))
    }
}
