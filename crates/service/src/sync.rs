//! Sync: the POS pushes customers, sales and products in batches.
//!
//! A batch is checked whole before anything is written: every record on its own (so one
//! bad record cannot hide another), then ids for repeats within the batch; any failure
//! rejects the batch, listing each bad record by index and field. A valid batch is written
//! in one transaction by the storage layer's idempotent upserts, with the change log entry
//! that says which insight cards it changed; after the commit they are marked and an
//! analytics refresh is requested.

use crate::{Invalid, RecordFault, Service, ServiceError};
use chrono::{DateTime, Utc};
use crm_domain::SyncCounts;
use crm_domain::{
    Customer, CustomerFields, CustomerId, FieldError, Product, ProductFields, Sale, SaleFields, parse_tags,
};
use crm_storage::calendar::{self, EventRow, Upserted};
use crm_storage::{Change, ingest};
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

/// One record of a batch as received: its fields, or why they could not be read at all
/// (a wrongly typed value, a missing field).
pub type Received<F> = Result<F, FieldError>;

impl Service {
    /// Validates and stores a batch of customers (all or nothing), with the tags of those
    /// whose record gives them.
    pub fn sync_customers(
        &self,
        batch: Vec<Received<CustomerFields>>,
        now: DateTime<Utc>,
    ) -> Result<SyncCounts, ServiceError> {
        let parse = |mut fields: CustomerFields| {
            let tags = fields.tags.take().map(|t| parse_tags(&t)).transpose();
            match (Customer::parse(fields, now), tags) {
                (Ok(customer), Ok(tags)) => Ok((customer, tags)),
                (customer, tags) => {
                    Err(customer.err().unwrap_or_default().into_iter().chain(tags.err().unwrap_or_default()).collect())
                }
            }
        };
        let parsed = self.validate(batch, parse, |(c, _)| c.id.get())?;
        let tags: Vec<(CustomerId, Vec<String>)> =
            parsed.iter().filter_map(|(c, tags)| Some((c.id, tags.clone()?))).collect();
        let customers: Vec<Customer> = parsed.into_iter().map(|(c, _)| c).collect();
        self.store_customers(&customers, &tags, now)
    }

    /// Stores valid customers, ids unique, in one transaction: the write of a sync batch
    /// and of an import batch alike (an import's tags, replacing the customer's, in the
    /// same transaction).
    pub(crate) fn store_customers(
        &self,
        customers: &[Customer],
        tags: &[(CustomerId, Vec<String>)],
        now: DateTime<Utc>,
    ) -> Result<SyncCounts, ServiceError> {
        let ids: Vec<i64> = customers.iter().map(|c| c.id.get()).collect();
        self.write_changing(|conn| {
            let counts = ingest::sync_customers(conn, customers, now)?;
            for (customer, tags) in tags {
                // An erased customer's tags are not stored (the answer says so).
                crm_storage::reads::set_customer_tags(conn, customer.get(), tags)?;
            }
            Ok((counts, Change { customers: ids, ..Change::default() }))
        })
    }

    /// Stores events of a calendar file (an import batch), in one transaction.
    pub(crate) fn store_events(&self, events: &[EventRow], now: DateTime<Utc>) -> Result<SyncCounts, ServiceError> {
        self.write_changing(|conn| {
            let mut counts = SyncCounts { received: events.len(), ..SyncCounts::default() };
            for event in events {
                match calendar::upsert_event(conn, event, now)? {
                    Upserted::Created => counts.created += 1,
                    Upserted::Updated => counts.updated += 1,
                    Upserted::Unchanged => counts.unchanged += 1,
                }
            }
            let changed = counts.created + counts.updated > 0;
            Ok((counts, Change { calendar: changed, ..Change::default() }))
        })
    }

    /// Validates and stores a batch of sales (all or nothing), each dated in the store's
    /// time zone.
    pub fn sync_sales(&self, batch: Vec<Received<SaleFields>>, now: DateTime<Utc>) -> Result<SyncCounts, ServiceError> {
        let zone = self.zone;
        let sales = self.validate(batch, |fields| Sale::parse(fields, zone, now), |s| s.id)?;
        self.store_sales(&sales, now)
    }

    /// Stores valid sales, ids unique, in one transaction.
    pub(crate) fn store_sales(&self, sales: &[Sale], now: DateTime<Utc>) -> Result<SyncCounts, ServiceError> {
        self.write_changing(|conn| {
            let synced = ingest::sync_sales(conn, sales, now)?;
            Ok((synced.counts, Change { customers: synced.customers, ..Change::default() }))
        })
    }

    /// Validates and stores a batch of catalogue entries (all or nothing).
    pub fn sync_products(
        &self,
        batch: Vec<Received<ProductFields>>,
        now: DateTime<Utc>,
    ) -> Result<SyncCounts, ServiceError> {
        let products = self.validate(batch, Product::parse, |p| p.id.clone())?;
        self.store_products(&products, now)
    }

    /// Stores valid catalogue entries, ids unique, in one transaction.
    pub(crate) fn store_products(&self, products: &[Product], now: DateTime<Utc>) -> Result<SyncCounts, ServiceError> {
        let today = self.zone.today(now);
        self.write_changing(|conn| {
            let synced = ingest::sync_products(conn, products, now, today)?;
            Ok((synced.counts, Change { products: synced.relabelled, catalogue: true, ..Change::default() }))
        })
    }

    /// Every record of `batch` validated by `parse`, ids (`key`) unique within it; or
    /// every broken rule, by index and field.
    fn validate<F, R, K>(
        &self,
        batch: Vec<Received<F>>,
        parse: impl Fn(F) -> Result<R, Vec<FieldError>>,
        key: impl Fn(&R) -> K,
    ) -> Result<Vec<R>, ServiceError>
    where
        K: Eq + Hash + Display,
    {
        let total = batch.len();
        if total > self.limits.max_batch_records {
            return Err(ServiceError::TooLarge(format!(
                "a batch may hold at most {} records, this one has {total}; split it",
                self.limits.max_batch_records
            )));
        }
        let mut errors = Vec::new();
        let mut valid = Vec::with_capacity(total);
        let mut first_index: HashMap<K, usize> = HashMap::with_capacity(total);
        for (index, received) in batch.into_iter().enumerate() {
            match received.map_err(|e| vec![e]).and_then(&parse) {
                Ok(record) => {
                    let id = key(&record);
                    if let Some(first) = first_index.get(&id) {
                        let message = format!("id {id} appears twice in the batch (first at index {first})");
                        errors.push(RecordFault { index: Some(index), error: FieldError::new("id", message) });
                    } else {
                        first_index.insert(id, index);
                        valid.push(record);
                    }
                }
                Err(field_errors) => {
                    errors.extend(field_errors.into_iter().map(|error| RecordFault { index: Some(index), error }));
                }
            }
        }
        if errors.is_empty() {
            return Ok(valid);
        }
        let mut bad: Vec<usize> = errors.iter().filter_map(|e| e.index).collect();
        bad.dedup();
        let detail = format!("{} of {total} records are invalid; nothing was written", bad.len());
        Err(Invalid { detail, errors }.into())
    }
}
