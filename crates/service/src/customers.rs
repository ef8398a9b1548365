//! Customers: the searchable list with cursor paging, and manual purpose tags.

use crate::{Invalid, Service, ServiceError};
use crm_domain::{CustomerId, CustomerProfile};
use crm_domain::{Segment, parse_tags};
use crm_storage::Change;
use crm_storage::reads::{self, CustomerFilter, CustomerOrder};

/// Default and largest page sizes.
const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 500;

/// Which customers to list: filters combine; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerQuery {
    /// Only this segment.
    pub segment: Option<Segment>,
    /// Only customers with this purpose tag (manual or by rule).
    pub tag: Option<String>,
    /// Text found in name, phone or e-mail.
    pub text: Option<String>,
    /// Page size, 1-500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (empty or absent for the first page).
    pub cursor: Option<String>,
    /// The order.
    pub sort: CustomerSort,
}

/// The order of the customer list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    /// By id.
    #[default]
    Id,
    /// Highest expected value (over the refresh's horizon) first; only customers the
    /// refresh could value.
    Value,
    /// Lowest P(alive) first: the customers most likely lost; only customers the refresh
    /// could value.
    PAlive,
}

/// One page of customers, by id.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPage {
    /// The customers of this page.
    pub customers: Vec<CustomerProfile>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl Service {
    /// A page of customers matching `query`, by id.
    pub fn list_customers(&self, query: CustomerQuery) -> Result<CustomerPage, ServiceError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::BadParameter(format!("limit must be between 1 and {MAX_LIMIT}, got {limit}")));
        }
        let cursor = query.cursor.as_deref().filter(|c| !c.is_empty());
        let (after_id, order) = match query.sort {
            CustomerSort::Id => (cursor.map(read_cursor).transpose()?, CustomerOrder::Id),
            CustomerSort::Value => {
                let after = cursor.map(read_pair_cursor).transpose()?;
                (None, CustomerOrder::Value(after.map(|(value, id)| (i64::try_from(value).unwrap_or(i64::MAX), id))))
            }
            CustomerSort::PAlive => {
                let after = cursor.map(read_pair_cursor).transpose()?;
                (None, CustomerOrder::PAlive(after.map(|(bits, id)| (f64::from_bits(bits), id))))
            }
        };
        let filter = CustomerFilter {
            segment: query.segment,
            tag: query.tag.filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_lowercase()),
            text: query.text.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
            after_id,
            order,
            limit: limit + 1,
        };
        let mut customers = self.db.read(|conn| reads::list_customers(conn, &filter))?;
        let has_more = customers.len() as i64 > limit;
        customers.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = has_more
            .then(|| {
                let last = customers.last()?;
                let value = last.analytics.as_ref().and_then(|a| a.value);
                match query.sort {
                    CustomerSort::Id => Some(last.id.to_string()),
                    CustomerSort::Value => Some(format!("{}_{}", value?.expected_value_cents?, last.id)),
                    CustomerSort::PAlive => Some(format!("{}_{}", value?.p_alive.to_bits(), last.id)),
                }
            })
            .flatten();
        Ok(CustomerPage { customers, next_cursor })
    }

    /// Replaces the customer's manual purpose tags (an empty list removes them all) and
    /// returns them as stored: trimmed, lower-case, sorted, without repeats. An erased
    /// customer keeps none: tags for it are a conflict, none at all what it has.
    pub fn set_customer_tags(&self, customer: CustomerId, tags: &[String]) -> Result<Vec<String>, ServiceError> {
        let tags = parse_tags(tags).map_err(|e| Invalid::record("the tags are invalid; nothing was changed", e))?;
        let stored = self.write_changing(|conn| {
            if reads::customer_profile(conn, customer)?.is_none() {
                return Ok((None, Change::default()));
            }
            let stored = reads::set_customer_tags(conn, customer.get(), &tags)?;
            let change = if stored {
                Change { customers: vec![customer.get()], ..Change::default() }
            } else {
                Change::default()
            };
            Ok((Some(stored), change))
        })?;
        match stored {
            None => Err(ServiceError::NotFound(format!("no customer with id {customer}"))),
            Some(false) if tags.is_empty() => Ok(tags),
            Some(false) => Err(ServiceError::Conflict(format!(
                "customer {customer} was erased: an erased customer keeps no tags; nothing was changed"
            ))),
            Some(true) => Ok(tags),
        }
    }
}

/// The id a cursor points after: its digits (as `next_cursor` gives them); a number past
/// the largest id points after every customer.
fn read_cursor(cursor: &str) -> Result<i64, ServiceError> {
    let digits = cursor.len() <= 30 && cursor.bytes().all(|b| b.is_ascii_digit());
    let value = digits.then(|| cursor.parse::<u128>().ok()).flatten();
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX)).ok_or_else(|| {
        ServiceError::BadParameter(format!("cursor {cursor:?} is not one this API gave: a cursor is digits"))
    })
}

/// The position a `value` or `pAlive` cursor points after: the sort key's digits (a value
/// in cents, or the bits of a P(alive)) and the id, joined by `_`, as `next_cursor` gives
/// them.
fn read_pair_cursor(cursor: &str) -> Result<(u64, i64), ServiceError> {
    let bad = || {
        ServiceError::BadParameter(format!(
            "cursor {cursor:?} is not one this API gave for this order: it is two numbers joined by `_`"
        ))
    };
    let (key, id) = cursor.split_once('_').ok_or_else(bad)?;
    let key = (key.len() <= 20 && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()))
        .then(|| key.parse::<u64>().ok())
        .flatten()
        .ok_or_else(bad)?;
    Ok((key, read_cursor(id).map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_digits_and_large_ones_point_past_every_id() {
        assert_eq!(read_cursor("42").unwrap(), 42);
        assert_eq!(read_cursor("99999999999999999999").unwrap(), i64::MAX);
        for bad in ["-1", "4 2", "abc", &"9".repeat(31)] {
            assert!(matches!(read_cursor(bad), Err(ServiceError::BadParameter(_))), "{bad}");
        }
    }

    #[test]
    fn ordered_cursors_are_a_key_and_an_id() {
        assert_eq!(read_pair_cursor("1250_42").unwrap(), (1250, 42));
        let p = 0.25_f64;
        let (bits, id) = read_pair_cursor(&format!("{}_7", p.to_bits())).unwrap();
        assert_eq!((f64::from_bits(bits), id), (0.25, 7));
        for bad in ["42", "_42", "42_", "a_1", "1_-2", "1_2_3", &format!("{}_1", "9".repeat(21))] {
            assert!(matches!(read_pair_cursor(bad), Err(ServiceError::BadParameter(_))), "{bad}");
        }
    }
}
