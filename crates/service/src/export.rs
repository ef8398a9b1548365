//! Exports: any table as CSV, streamed. Records are read a page at a time ([`EXPORT_PAGE`]
//! rows, each page one short read) and written out as they come, so an export of any size
//! holds one page in memory and no store connection between pages.
//!
//! The columns of customers, products and sales are the import's generic format (their
//! first columns are the sync fields), so an export imports back unchanged; every text cell
//! is guarded against spreadsheet formulas, as the reorder CSV is, and the import reads the
//! guarded text back as it was.

use crate::{ImportKind, Service, ServiceError};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use crm_domain::{Money, UnitPrice, spreadsheet_safe};
use crm_storage::export::{self as stored, ExportedCustomer, ExportedProduct, ExportedSale};
use std::io::Write;

/// Records read from the store at a time.
pub const EXPORT_PAGE: i64 = 1_000;
/// The longest day range a daily export covers (a century).
pub const MAX_EXPORT_DAYS: i64 = 36_525;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    /// Customers with their tags, segment, RFM and value (placeholders left out).
    Customers,
    /// The catalogue with stock (codes seen only on sale lines left out).
    Products,
    /// Sales, one row per line (a sale without lines is one row).
    Sales,
    /// Per-day totals, every day of the range.
    Daily,
    /// The calendar's events, by first day.
    Calendar,
}

impl ExportTable {
    /// Every table, in the order the docs list them.
    pub const ALL: [Self; 5] = [Self::Customers, Self::Products, Self::Sales, Self::Daily, Self::Calendar];

    /// The table's name, as the command line and the file name take it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Products => "products",
            Self::Sales => "sales",
            Self::Daily => "daily",
            Self::Calendar => "calendar",
        }
    }

    /// The header row: for customers, products, sales and the calendar the import's
    /// generic columns (so an export imports back), customers then their derived columns.
    pub fn columns(self) -> Vec<&'static str> {
        let import = |kind: ImportKind| kind.fields().iter().copied();
        match self {
            Self::Customers => import(ImportKind::Customers).chain(CUSTOMER_DERIVED).collect(),
            Self::Products => import(ImportKind::Products).collect(),
            // Without the import's own line_total and time_of_day: an export has unit prices
            // and whole times.
            Self::Sales => import(ImportKind::Sales).filter(|f| !matches!(*f, "line_total" | "time_of_day")).collect(),
            Self::Daily => vec!["day", "revenue", "sales", "units", "refunds", "refunded"],
            Self::Calendar => import(ImportKind::Calendar).collect(),
        }
    }
}

/// The customers export's columns after the import's: the last refresh's analytics.
const CUSTOMER_DERIVED: [&str; 14] = [
    "segment",
    "lapsed",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_segment",
    "visits",
    "total_spent",
    "first_purchase",
    "last_purchase",
    "purchase_days",
    "p_alive",
    "expected_purchases",
    "expected_value",
];

impl std::str::FromStr for ExportTable {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
            format!("unknown table {s:?}: one of {}", names.join(", "))
        })
    }
}

/// An export: the table, and for sales and daily totals the store-local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRequest {
    /// The table.
    pub table: ExportTable,
    /// The first day (sales and daily totals; default: the first day with a sale).
    pub from: Option<NaiveDate>,
    /// The last day (default: the last day with a sale).
    pub to: Option<NaiveDate>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed (before the first byte: the request's answer; after: the end of
    /// the stream).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The output refused a write (its reader went away).
    #[error("writing the export: {0}")]
    Output(#[from] std::io::Error),
}

impl Service {
    /// Checks an export's request before anything is written: a day range the right way
    /// round, days only where they mean something.
    pub fn check_export(&self, request: &ExportRequest) -> Result<(), ServiceError> {
        let dated = matches!(request.table, ExportTable::Sales | ExportTable::Daily);
        if !dated && (request.from.is_some() || request.to.is_some()) {
            return Err(ServiceError::BadParameter(format!(
                "from and to apply to the sales and daily exports, not to {}",
                request.table.as_str()
            )));
        }
        if let (Some(from), Some(to)) = (request.from, request.to) {
            if from > to {
                return Err(ServiceError::BadParameter(format!("from ({from}) is after to ({to})")));
            }
            if request.table == ExportTable::Daily && (to - from).num_days() >= MAX_EXPORT_DAYS {
                return Err(ServiceError::BadParameter(format!(
                    "a daily export covers at most {MAX_EXPORT_DAYS} days; narrow from and to"
                )));
            }
        }
        Ok(())
    }

    /// Writes the export as CSV to `out`, a page at a time; returns the rows written (the
    /// header not counted).
    pub fn export_csv<W: Write>(&self, request: &ExportRequest, out: W) -> Result<u64, ExportError> {
        self.check_export(request)?;
        let mut csv = csv::WriterBuilder::new().flexible(false).from_writer(out);
        csv.write_record(request.table.columns()).map_err(csv_error)?;
        let rows = match request.table {
            ExportTable::Customers => self.export_customers(&mut csv)?,
            ExportTable::Products => self.export_products(&mut csv)?,
            ExportTable::Sales => self.export_sales(request, &mut csv)?,
            ExportTable::Daily => self.export_daily(request, &mut csv)?,
            ExportTable::Calendar => self.export_calendar_csv(&mut csv)?,
        };
        csv.flush()?;
        Ok(rows)
    }

    fn export_customers<W: Write>(&self, csv: &mut csv::Writer<W>) -> Result<u64, ExportError> {
        let (mut after, mut rows) = (0, 0);
        loop {
            let page =
                self.db.read(|conn| stored::customers_after(conn, after, EXPORT_PAGE)).map_err(ServiceError::from)?;
            for customer in &page {
                csv.write_record(customer_row(customer)).map_err(csv_error)?;
            }
            rows += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => after = last.id,
                _ => return Ok(rows),
            }
        }
    }

    fn export_products<W: Write>(&self, csv: &mut csv::Writer<W>) -> Result<u64, ExportError> {
        let (mut after, mut rows) = (String::new(), 0);
        loop {
            let page =
                self.db.read(|conn| stored::products_after(conn, &after, EXPORT_PAGE)).map_err(ServiceError::from)?;
            for product in &page {
                csv.write_record(product_row(product)).map_err(csv_error)?;
            }
            rows += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => after.clone_from(&last.id),
                _ => return Ok(rows),
            }
        }
    }

    fn export_sales<W: Write>(&self, request: &ExportRequest, csv: &mut csv::Writer<W>) -> Result<u64, ExportError> {
        let days = match (request.from, request.to) {
            (None, None) => None,
            (from, to) => Some((from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX))),
        };
        let filter = stored::SaleFilter { days, customer: None };
        let (mut after, mut rows) = (0, 0);
        loop {
            let page = self
                .db
                .read(|conn| stored::sales_after(conn, after, EXPORT_PAGE, filter))
                .map_err(ServiceError::from)?;
            for sale in &page {
                for row in sale_rows(sale) {
                    csv.write_record(row).map_err(csv_error)?;
                    rows += 1;
                }
            }
            match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => after = last.id,
                _ => return Ok(rows),
            }
        }
    }

    fn export_daily<W: Write>(&self, request: &ExportRequest, csv: &mut csv::Writer<W>) -> Result<u64, ExportError> {
        let stored_range = self.db.read(crm_storage::sales_day_range).map_err(ServiceError::from)?;
        let (Some(from), Some(to)) =
            (request.from.or(stored_range.map(|(first, _)| first)), request.to.or(stored_range.map(|(_, last)| last)))
        else {
            return Ok(0);
        };
        if from > to {
            return Ok(0);
        }
        if (to - from).num_days() >= MAX_EXPORT_DAYS {
            return Err(ServiceError::BadParameter(format!(
                "a daily export covers at most {MAX_EXPORT_DAYS} days; narrow from and to"
            ))
            .into());
        }
        let totals = self.db.read(|conn| crm_storage::daily_totals(conn, from, to)).map_err(ServiceError::from)?;
        let mut totals = totals.into_iter().peekable();
        let mut rows = 0;
        for day in from.iter_days().take_while(|d| *d <= to) {
            let mut row = vec![day.to_string(), money(0), "0".into(), "0".into(), "0".into(), money(0)];
            if let Some(t) = totals.next_if(|t| t.local_date == day) {
                row = vec![
                    day.to_string(),
                    money(t.revenue_cents),
                    t.sale_count.to_string(),
                    t.units.to_string(),
                    t.refund_count.to_string(),
                    money(t.refunded_cents),
                ];
            }
            csv.write_record(&row).map_err(csv_error)?;
            rows += 1;
        }
        Ok(rows)
    }

    fn export_calendar_csv<W: Write>(&self, csv: &mut csv::Writer<W>) -> Result<u64, ExportError> {
        let events = self.db.read(crm_storage::calendar::all_events).map_err(ServiceError::from)?;
        for stored in &events {
            let e = &stored.event;
            csv.write_record([
                stored.id.get().to_string(),
                text(&e.event_type),
                text(&e.name),
                e.date.to_string(),
                e.end_date.map(|d| d.to_string()).unwrap_or_default(),
                e.impact_level.as_str().to_owned(),
                e.expected_demand_multiplier.to_string(),
                e.lead_days.map(|d| d.to_string()).unwrap_or_default(),
                optional(e.notes.as_deref()),
                optional(stored.uid.as_deref()),
                number(stored.source_date),
            ])
            .map_err(csv_error)?;
        }
        Ok(events.len() as u64)
    }
}

fn csv_error(error: csv::Error) -> ExportError {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => ExportError::Output(io),
        other => ExportError::Output(std::io::Error::other(format!("{other:?}"))),
    }
}

fn text(value: &str) -> String {
    spreadsheet_safe(value)
}

fn optional(value: Option<&str>) -> String {
    value.map(spreadsheet_safe).unwrap_or_default()
}

fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

fn price(ten_thousandths: i64) -> String {
    let price = UnitPrice::from_ten_thousandths(ten_thousandths).ten_thousandths();
    format!("{}.{:04}", price / 10_000, price % 10_000)
}

/// An instant as RFC 3339 in UTC, to the precision stored.
fn instant(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn customer_row(c: &ExportedCustomer) -> Vec<String> {
    let mut row = vec![
        c.id.to_string(),
        text(&c.name),
        optional(c.phone.as_deref()),
        optional(c.email.as_deref()),
        optional(c.address.as_deref()),
        optional(c.notes.as_deref()),
        c.created_at.map(instant).unwrap_or_default(),
        // One tag a line: a tag is one line of text, so a line break cannot be part of one.
        spreadsheet_safe(&c.tags.join("\n")),
    ];
    match &c.analytics {
        None => row.extend(std::iter::repeat_n(String::new(), 14)),
        Some(a) => {
            let value = a.value.as_ref();
            row.extend([
                a.segment.as_str().to_owned(),
                a.lapsed.to_string(),
                number(a.recency_score),
                number(a.frequency_score),
                number(a.monetary_score),
                a.rfm_segment.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                a.visits.to_string(),
                money(a.total_spent_cents),
                number(a.first_purchase),
                number(a.last_purchase),
                a.purchase_days.to_string(),
                value.map(|v| format!("{:.6}", v.p_alive)).unwrap_or_default(),
                value.map(|v| format!("{:.4}", v.expected_purchases)).unwrap_or_default(),
                value.and_then(|v| v.expected_value_cents).map(money).unwrap_or_default(),
            ]);
        }
    }
    row
}

fn product_row(p: &ExportedProduct) -> Vec<String> {
    vec![
        text(&p.id),
        text(&p.name),
        optional(p.category.as_deref()),
        number(p.stock_on_hand),
        number(p.lead_time_days),
        p.unit_cost_e4.map(price).unwrap_or_default(),
        number(p.pack_size),
        number(p.min_order_quantity),
        p.discontinued.to_string(),
    ]
}

/// A sale's rows: one per line, the sale's own fields on each; one row without a product
/// when it has no lines.
fn sale_rows(s: &ExportedSale) -> Vec<Vec<String>> {
    let head = [
        s.id.to_string(),
        number(s.customer_id),
        money(s.total_cents),
        instant(s.created_at),
        s.status.clone(),
        optional(s.store_id.as_deref()),
        optional(s.payment_method.as_deref()),
    ];
    if s.lines.is_empty() {
        let mut row = head.to_vec();
        row.extend(std::iter::repeat_n(String::new(), 5));
        return vec![row];
    }
    s.lines
        .iter()
        .map(|l| {
            let mut row = head.to_vec();
            row.extend([
                text(&l.product_id),
                optional(l.product_name.as_deref()),
                optional(l.category.as_deref()),
                l.quantity.to_string(),
                price(l.unit_price_e4),
            ]);
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_instants_are_written_as_the_import_reads_them() {
        assert_eq!(price(15_000), "1.5000");
        assert_eq!(price(10), "0.0010");
        assert_eq!(money(500), "5.00");
        let at = NaiveDateTime::parse_from_str("2025-03-01 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap_or_default();
        assert_eq!(instant(at), "2025-03-01T10:00:00Z");
    }

    #[test]
    fn every_table_parses_from_its_name() {
        for table in ExportTable::ALL {
            assert_eq!(table.as_str().parse::<ExportTable>(), Ok(table));
        }
        assert!("orders".parse::<ExportTable>().is_err());
    }
}
