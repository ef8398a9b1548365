//! Import: a shop's history from a CSV file, through the sync rules and the sync writes.
//!
//! The file is streamed: rows are read one at a time, turned into the sync fields by the
//! layout ([`Layout`]), checked by the same rules as a sync batch (`Customer::parse` and the
//! rest), and written in batches of [`IMPORT_BATCH_RECORDS`] records, each batch in one
//! transaction by the sync's own writes (so ids upsert: importing a file again changes
//! nothing). A row that breaks a rule is rejected alone, reported by row and column, and
//! the rows around it go on; the rows of one sale stand or fall together, so a sale is
//! never stored without one of its lines. A store failure stops the import: the batches
//! before it are stored, nothing of the failing one.
//!
//! Sales are one row per line. Their rows are grouped by sale id as they come; a sale
//! whose rows are not all together (the UCI file has one) is found by a first pass over
//! the sale ids and written once its last row has been read. Memory grows with the
//! number of distinct ids (a few bytes each), never with the file.

mod ids;
mod layout;
mod reader;

pub use ids::{MAX_SOURCE_IDS, SOURCE_ID, SourceIds, SourceKind, source_id};
pub use layout::{DEFAULT_TIME_FORMATS, ImportFormat, ImportKind, Layout, Rules};
pub use reader::{MAX_ROW_BYTES, MAX_ROW_LINES, TextEncoding};

use crate::{Service, ServiceError};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use crm_domain::MAX_ID;
use crm_domain::{
    CalendarEvent, Customer, CustomerFields, CustomerId, EventFields, EventId, FieldError, Product, ProductFields,
    Sale, SaleFields, SaleLineFields, SaleStatus, StoreZone, SyncCounts, UnitPrice, parse_day, spreadsheet_unguarded,
};
use crm_storage::calendar::EventRow;
use reader::{RawRow, Rows};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::rc::Rc;

/// Records written in one transaction.
pub const IMPORT_BATCH_RECORDS: usize = 2_000;
/// Rows between two progress reports.
pub const PROGRESS_EVERY_ROWS: u64 = 1_000;

/// Opens the file (again: sales are read twice).
pub type Opener<'a> = &'a dyn Fn() -> std::io::Result<Box<dyn Read>>;

/// What to import, and how to read it.
#[derive(Debug, Clone)]
pub struct CsvImport {
    /// The kind of record the file holds.
    pub kind: ImportKind,
    /// Its layout.
    pub layout: Layout,
    /// How its bytes are text when it has no byte-order mark.
    pub encoding: TextEncoding,
    /// Check every row and write nothing.
    pub dry_run: bool,
}

/// A rejected row: where it is, which column broke which rule, and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: u64,
    /// The line it starts on, as an editor numbers it.
    pub line: u64,
    /// The file's column (or our field, when the column is not in the file).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// The row's values as read (the line itself when it could not be split).
    pub values: Vec<String>,
}

/// Hears how an import goes.
pub trait ImportWatcher {
    /// `rows` rows have been read so far (every [`PROGRESS_EVERY_ROWS`], and at the end).
    fn progress(&mut self, rows: u64);
    /// A row was rejected (once per broken rule).
    fn rejected(&mut self, rejected: &RejectedRow);
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows read (blank lines not counted).
    pub rows: u64,
    /// Records that passed every rule (customers, products, or sales with their lines).
    pub records: u64,
    /// Records stored for the first time (0 on a dry run).
    pub created: u64,
    /// Records stored before and changed now.
    pub updated: u64,
    /// Records stored before and identical: nothing written.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected_rows: u64,
    /// Records rejected (a sale counts once, however many of its rows were bad).
    pub rejected_records: u64,
    /// Rows the format's rules skip, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Columns of the file the layout does not read.
    pub ignored_columns: Vec<String>,
    /// The field delimiter found.
    pub delimiter: char,
    /// Whether nothing was written.
    pub dry_run: bool,
}

impl ImportSummary {
    fn add(&mut self, counts: SyncCounts) {
        self.created += counts.created as u64;
        self.updated += counts.updated as u64;
        self.unchanged += counts.unchanged as u64;
    }
}

/// An import that stopped: what it did before, and why it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    /// Rows read and records written before the failure.
    pub summary: ImportSummary,
    /// Why it stopped.
    pub error: String,
}

/// Where an import's records go: this process's store (a [`Service`]), or a running
/// server's sync API (`crm-trends import --url`). Either way the rows are read and checked
/// here by the sync rules; the target writes each batch all or nothing, and says why not
/// as one line.
pub trait ImportTarget {
    /// The store's time zone: a file's wall-clock times are read in it.
    fn zone(&self) -> StoreZone;
    /// The time the import's records are checked against (a sale at most 48 hours ahead).
    fn now(&self) -> DateTime<Utc>;
    /// The id map's ids for `sources` (see [`Service::source_ids`]).
    fn source_ids(&self, kind: SourceKind, sources: &[String], assign: bool) -> Result<SourceIds, String>;
    /// Stores customers, with the tags of those that have them. An error says what was
    /// written of the batch (`none of it was written: ...`).
    fn store_customers(&self, customers: &[Customer], tags: &[(CustomerId, Vec<String>)])
    -> Result<SyncCounts, String>;
    /// Stores products.
    fn store_products(&self, products: &[Product]) -> Result<SyncCounts, String>;
    /// Stores sales with their lines.
    fn store_sales(&self, sales: &[Sale]) -> Result<SyncCounts, String>;
    /// Stores the events of a calendar file. Only the store itself takes them (the API has
    /// no batch of calendar events with their ids); any other target refuses.
    fn store_events(&self, events: &EventBatch) -> Result<SyncCounts, String> {
        Err(format!("{} calendar events: a calendar file is imported straight into the store", events.0.len()))
    }
}

/// Events of a calendar file, as only the store can take them.
#[derive(Debug, Default)]
pub struct EventBatch(Vec<EventRow>);

/// A store's failure to write a batch: its transaction left nothing behind.
fn unwritten(error: ServiceError) -> String {
    format!("none of it was written: {}", crate::error_chain(&error))
}

impl ImportTarget for Service {
    fn zone(&self) -> StoreZone {
        Service::zone(self)
    }

    fn now(&self) -> DateTime<Utc> {
        Service::now(self)
    }

    fn source_ids(&self, kind: SourceKind, sources: &[String], assign: bool) -> Result<SourceIds, String> {
        Service::source_ids(self, kind, sources, assign).map_err(|e| crate::error_chain(&e))
    }

    fn store_customers(
        &self,
        customers: &[Customer],
        tags: &[(CustomerId, Vec<String>)],
    ) -> Result<SyncCounts, String> {
        Service::store_customers(self, customers, tags, Service::now(self)).map_err(unwritten)
    }

    fn store_products(&self, products: &[Product]) -> Result<SyncCounts, String> {
        Service::store_products(self, products, Service::now(self)).map_err(unwritten)
    }

    fn store_sales(&self, sales: &[Sale]) -> Result<SyncCounts, String> {
        Service::store_sales(self, sales, Service::now(self)).map_err(unwritten)
    }

    fn store_events(&self, events: &EventBatch) -> Result<SyncCounts, String> {
        Service::store_events(self, &events.0, Service::now(self)).map_err(unwritten)
    }
}

impl Service {
    /// Imports the CSV file `open` opens into this service's store (see [`import_csv`]).
    pub fn import_csv(
        &self,
        open: Opener<'_>,
        request: &CsvImport,
        watcher: &mut dyn ImportWatcher,
    ) -> Result<ImportSummary, Box<ImportFailure>> {
        import_csv(self, open, request, watcher)
    }
}

/// Imports the CSV file `open` opens into `target` (see the module's documentation),
/// reporting progress and rejected rows to `watcher`.
pub fn import_csv(
    target: &dyn ImportTarget,
    open: Opener<'_>,
    request: &CsvImport,
    watcher: &mut dyn ImportWatcher,
) -> Result<ImportSummary, Box<ImportFailure>> {
    let mut run = Run::new(target, request, watcher);
    match run.go(open) {
        Ok(()) => Ok(run.summary),
        Err(error) => Err(Box::new(ImportFailure { summary: run.summary, error })),
    }
}

/// Which column of the file holds each of our fields.
#[derive(Debug, Default)]
struct Columns {
    index: HashMap<&'static str, usize>,
    header: Vec<String>,
}

impl Columns {
    fn resolve(header: Vec<String>, layout: &Layout, kind: ImportKind) -> Result<(Self, Vec<String>), String> {
        let mut index = HashMap::new();
        let mut missing = Vec::new();
        for field in kind.fields() {
            let Some(theirs) = layout.columns.get(*field) else { continue };
            match header.iter().position(|h| h.trim().eq_ignore_ascii_case(theirs.trim())) {
                Some(at) => {
                    index.insert(*field, at);
                }
                None if kind.required().contains(field) || !layout.lenient_columns => missing.push(theirs.clone()),
                None => {}
            }
        }
        for (field, theirs) in &layout.rule_columns {
            match header.iter().position(|h| h.trim().eq_ignore_ascii_case(theirs.trim())) {
                Some(at) => {
                    index.insert(*field, at);
                }
                None => missing.push(theirs.clone()),
            }
        }
        if !missing.is_empty() {
            let found = header.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ");
            return Err(if index.is_empty() {
                format!(
                    "this is not a CSV file of {} in this layout: it has none of the columns the layout reads (missing \
                     {}; its header has {found})",
                    kind.as_str(),
                    missing.join(", ")
                )
            } else {
                format!("the file has no column {} (its header has {found})", missing.join(", "))
            });
        }
        let used: HashSet<usize> = index.values().copied().collect();
        let ignored = header.iter().enumerate().filter(|(i, _)| !used.contains(i)).map(|(_, h)| h.clone()).collect();
        Ok((Self { index, header }, ignored))
    }

    /// The file's name for our `field` (our name when the file has no such column); a
    /// sale line's field (`items[3].quantity`) by its own name.
    fn name_of(&self, field: &str) -> String {
        let plain = field.strip_prefix("items[").and_then(|rest| rest.split_once("].")).map_or(field, |(_, f)| f);
        self.index.get(plain).map_or_else(|| plain.to_owned(), |&i| self.header[i].clone())
    }
}

/// One row's cells, read through the layout.
struct Cells<'a> {
    fields: &'a [Vec<u8>],
    columns: &'a Columns,
    layout: &'a Layout,
    zone: StoreZone,
}

impl Cells<'_> {
    /// The trimmed text of our `field`; `None` when the file has no such column or the cell
    /// is empty.
    fn text(&self, field: &'static str) -> Result<Option<String>, FieldError> {
        let Some(&at) = self.columns.index.get(field) else { return Ok(None) };
        let bytes = self.fields.get(at).map_or(&[][..], Vec::as_slice);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let bad = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
            FieldError::new(
                self.columns.name_of(field),
                format!(
                    "is not UTF-8 text (byte 0x{bad:02X} after {:?}); a file saved by Excel or an older POS is often \
                     Windows-1252: import it with --encoding windows-1252",
                    String::from_utf8_lossy(&bytes[..e.valid_up_to()])
                ),
            )
        })?;
        let text = text.trim();
        Ok((!text.is_empty()).then(|| spreadsheet_unguarded(text).to_owned()))
    }

    fn convert<T>(
        &self,
        field: &'static str,
        errors: &mut Vec<FieldError>,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.text(field) {
            Ok(Some(text)) => match read(&text) {
                Ok(value) => Some(value),
                Err(message) => {
                    errors.push(FieldError::new(self.columns.name_of(field), message));
                    None
                }
            },
            Ok(None) => None,
            Err(error) => {
                errors.push(error);
                None
            }
        }
    }

    fn string(&self, field: &'static str, errors: &mut Vec<FieldError>) -> Option<String> {
        self.convert(field, errors, |t| Ok(t.to_owned()))
    }

    fn whole(&self, field: &'static str, errors: &mut Vec<FieldError>) -> Option<i64> {
        self.convert(field, errors, whole)
    }

    fn decimal(&self, field: &'static str, errors: &mut Vec<FieldError>) -> Option<f64> {
        self.convert(field, errors, |t| decimal(t, self.layout.decimal))
    }

    fn time(&self, field: &'static str, errors: &mut Vec<FieldError>) -> Option<String> {
        // A file that keeps the time of day in a column of its own: the day, then the time.
        let time_of_day = if field == "created_at" { self.text("time_of_day").ok().flatten() } else { None };
        self.convert(field, errors, |t| match &time_of_day {
            Some(clock) => time(&format!("{t} {clock}"), &self.layout.time_formats, self.zone),
            None => time(t, &self.layout.time_formats, self.zone),
        })
    }

    /// An amount: a plain decimal, or in a format whose amounts carry a currency sign
    /// (Square's `$1,234.50`, `-$9.00`) that sign and the thousands separators dropped.
    fn amount(&self, field: &'static str, errors: &mut Vec<FieldError>) -> Option<f64> {
        if self.layout.rules == Rules::Square {
            self.convert(field, errors, money)
        } else {
            self.decimal(field, errors)
        }
    }

    /// A quantity: a whole number (Square writes `2.0`: a whole number of units).
    fn quantity(&self, errors: &mut Vec<FieldError>) -> Option<i64> {
        if self.layout.rules != Rules::Square {
            return self.whole("quantity", errors);
        }
        self.convert("quantity", errors, |t| match t.strip_suffix(".0").or_else(|| t.strip_suffix(".00")) {
            Some(units) => whole(units),
            None if !t.contains('.') => whole(t),
            None => Err(format!(
                "{t:?} is not a whole number of units (an item sold by weight): quantities are stored in whole units"
            )),
        })
    }

    fn values(&self) -> Vec<String> {
        self.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()
    }
}

fn whole(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not a whole number"));
    }
    text.parse().map_err(|_| format!("{text} is too large"))
}

/// A decimal number written with `separator` (`.` or `,`) and nothing else: no thousands
/// separators, no currency, no exponent.
fn decimal(text: &str, separator: char) -> Result<f64, String> {
    let other = if separator == ',' { '.' } else { ',' };
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once(separator).unwrap_or((digits, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !plain(whole) || !plain(fraction) {
        let hint = if text.contains(other) {
            format!(" (this file's decimal separator is {separator:?}; no thousands separators)")
        } else {
            String::new()
        };
        return Err(format!("{text:?} is not a decimal number{hint}"));
    }
    let normal = if separator == ',' { text.replace(',', ".") } else { text.to_owned() };
    normal.parse().map_err(|_| format!("{text:?} is not a decimal number"))
}

/// An amount with a currency sign and thousands separators (`$1,234.50`, `-$9.00`,
/// `($9.00)`, `€12.00`): the number.
fn money(text: &str) -> Result<f64, String> {
    let (negative, body) = match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (true, inner),
        None => match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        },
    };
    let number: String = body
        .trim_start_matches(|c: char| !c.is_ascii_digit() && c != '-' && c != '.')
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .replace(',', "");
    let value = decimal(&number, '.').map_err(|_| format!("{text:?} is not an amount"))?;
    Ok(if negative { -value } else { value })
}

/// A Shopify order's `Financial Status` as a sale status: refunded, voided or expired
/// orders as such; paid, partly paid or refunded, authorized and pending ones completed.
fn shopify_status(text: &str) -> Result<SaleStatus, String> {
    match text.to_ascii_lowercase().as_str() {
        "paid" | "partially_paid" | "partially_refunded" | "authorized" | "pending" => Ok(SaleStatus::Completed),
        "refunded" => Ok(SaleStatus::Refunded),
        "voided" | "expired" => Ok(SaleStatus::Voided),
        _ => Err(format!(
            "{text:?} is not a Shopify financial status (paid, partially_paid, partially_refunded, authorized, \
             pending, refunded, voided, expired)"
        )),
    }
}

fn boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("{text:?} is not true or false")),
    }
}

/// An instant as RFC 3339 text: RFC 3339 with an offset as it is, or a wall-clock time in
/// one of `formats` read in the store's time zone (a day alone is its noon).
fn time(text: &str, formats: &[String], zone: StoreZone) -> Result<String, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_rfc3339());
    }
    for format in formats {
        if format.contains("%z") {
            if let Ok(at) = DateTime::parse_from_str(text, format) {
                return Ok(at.to_rfc3339());
            }
            continue;
        }
        let local = NaiveDateTime::parse_from_str(text, format)
            .ok()
            .or_else(|| NaiveDate::parse_from_str(text, format).ok().and_then(|d| d.and_hms_opt(12, 0, 0)));
        if let Some(local) = local {
            return zone
                .instant(local)
                .map(|at| at.to_rfc3339())
                .ok_or_else(|| format!("{text} does not exist in {} (the clocks jumped over it)", zone.name()));
        }
    }
    Err(format!(
        "{text:?} is not a time this layout reads: RFC 3339 with an offset, or {} in the store's time zone ({})",
        formats.join(" or "),
        zone.name()
    ))
}

/// The id of a field's record, hashed: what the first pass over sales keeps per sale.
fn hash_of(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A sale being assembled from its rows.
#[derive(Debug, Default)]
struct PendingSale {
    id: String,
    /// The customer as the file names it, where the id map numbers customers.
    customer_source: Option<String>,
    /// Each row: its number, line and values.
    rows: Vec<(u64, u64, Vec<String>)>,
    /// The row (index into `rows`) of each line.
    line_rows: Vec<usize>,
    fields: SaleFields,
    total_given: bool,
    /// Broken rules, with the row (index into `rows`) they are on.
    errors: Vec<(usize, FieldError)>,
    /// A row next to this sale's rows could not be read: it may be one of its lines.
    unreadable_row: Option<u64>,
}

/// One import's state.
struct Run<'a> {
    target: &'a dyn ImportTarget,
    request: &'a CsvImport,
    watcher: &'a mut dyn ImportWatcher,
    summary: ImportSummary,
    now: DateTime<Utc>,
    columns: Rc<Columns>,
    customers: Vec<Customer>,
    /// The tags of the queued customers whose row gave some.
    customer_tags: Vec<(CustomerId, Vec<String>)>,
    products: Vec<Product>,
    sales: Vec<Sale>,
    events: EventBatch,
    /// Every id seen, with its first row: an id twice in a file is the second row's fault.
    seen_numbers: HashMap<i64, u64>,
    seen_codes: HashMap<String, u64>,
    /// Sales whose rows are not all together, by id hash, and those being held.
    scattered: HashSet<u64>,
    held: HashMap<String, PendingSale>,
    ids: IdMap,
}

/// The store's id map as this import uses it: the entries read or given so far, and on a
/// dry run the lowest id of each kind (the provisional ids it gives count down from there).
#[derive(Debug, Default)]
struct IdMap {
    known: HashMap<(SourceKind, String), i64>,
    lowest: HashMap<SourceKind, i64>,
}

impl<'a> Run<'a> {
    fn new(target: &'a dyn ImportTarget, request: &'a CsvImport, watcher: &'a mut dyn ImportWatcher) -> Self {
        let summary = ImportSummary { dry_run: request.dry_run, ..ImportSummary::default() };
        Self {
            target,
            request,
            watcher,
            summary,
            now: target.now(),
            columns: Rc::default(),
            customers: Vec::new(),
            customer_tags: Vec::new(),
            products: Vec::new(),
            sales: Vec::new(),
            events: EventBatch::default(),
            seen_numbers: HashMap::new(),
            seen_codes: HashMap::new(),
            scattered: HashSet::new(),
            held: HashMap::new(),
            ids: IdMap::default(),
        }
    }

    /// Whether the layout's `field` holds source ids for the id map.
    fn mapped(&self, field: &str) -> bool {
        self.request.layout.mapped_ids.iter().any(|f| f == field)
    }

    /// The numeric id of `source`, a source id of `kind` (already [`source_id`]'s form):
    /// the one the store's id map holds, or the next free one, given and stored there (on
    /// a dry run, a provisional one below every stored id, and nothing stored).
    fn mapped_id(&mut self, kind: SourceKind, source: &str) -> Result<i64, String> {
        let key = (kind, source.to_owned());
        if let Some(&id) = self.ids.known.get(&key) {
            return Ok(id);
        }
        let answer = self
            .target
            .source_ids(kind, std::slice::from_ref(&key.1), !self.request.dry_run)
            .map_err(|e| format!("the id map: {e}"))?;
        let id = match answer.ids.first().copied().flatten() {
            Some(id) => id,
            None => {
                let lowest = self.ids.lowest.get(&kind).copied().into_iter().chain(answer.lowest).min();
                let id = lowest.unwrap_or(MAX_ID + 1) - 1;
                if id < 1 {
                    return Err(format!("the id map has no {} id left to give", kind.as_str()));
                }
                self.ids.lowest.insert(kind, id);
                id
            }
        };
        self.ids.known.insert(key, id);
        Ok(id)
    }

    fn open(&mut self, open: Opener<'_>) -> Result<Rows, String> {
        let input = open().map_err(|e| format!("cannot read the file: {e}"))?;
        let delimiter = self.request.layout.delimiter.and_then(|d| u8::try_from(d).ok());
        let rows = Rows::open(input, self.request.encoding, delimiter)?;
        let (columns, ignored) = Columns::resolve(rows.header(), &self.request.layout, self.request.kind)?;
        self.columns = Rc::new(columns);
        self.summary.ignored_columns = ignored;
        self.summary.delimiter = char::from(rows.delimiter());
        Ok(rows)
    }

    fn go(&mut self, open: Opener<'_>) -> Result<(), String> {
        if self.request.kind == ImportKind::Sales {
            let rows = self.open(open)?;
            self.find_scattered_sales(rows)?;
        }
        let mut rows = self.open(open)?;
        let columns = Rc::clone(&self.columns);
        let request = self.request;
        let mut pending: Option<PendingSale> = None;
        let mut unreadable: Option<u64> = None;
        while let Some(raw) = rows.next_row()? {
            self.summary.rows += 1;
            if self.summary.rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
                self.watcher.progress(self.summary.rows);
            }
            let fields = match &raw.fields {
                Ok(fields) => fields,
                Err(fault) => {
                    let values = vec![String::from_utf8_lossy(&fault.text).into_owned()];
                    self.reject(&raw, String::new(), fault.message.clone(), values);
                    self.summary.rejected_records += 1;
                    // It may be a line of the sale before it or of the one after it:
                    // neither is stored without it.
                    if let Some(sale) = pending.as_mut() {
                        sale.unreadable_row = sale.unreadable_row.or(Some(raw.row));
                    }
                    unreadable = Some(raw.row);
                    continue;
                }
            };
            let cells = Cells { fields, columns: &columns, layout: &request.layout, zone: self.target.zone() };
            match self.request.kind {
                ImportKind::Customers => self.customer(&raw, &cells)?,
                ImportKind::Products => self.product(&raw, &cells)?,
                ImportKind::Calendar => self.event(&raw, &cells)?,
                ImportKind::Sales => {
                    let row = (raw.row, raw.line, cells.values());
                    let next = self.sale_row(&cells, row, pending.take(), unreadable.take())?;
                    pending = next;
                }
            }
        }
        if let Some(sale) = pending.take() {
            self.finish_sale(sale)?;
        }
        let held: Vec<PendingSale> = {
            let mut held: Vec<PendingSale> = self.held.drain().map(|(_, sale)| sale).collect();
            held.sort_by_key(|sale| sale.rows.first().map(|r| r.0));
            held
        };
        for sale in held {
            self.finish_sale(sale)?;
        }
        self.flush()?;
        self.watcher.progress(self.summary.rows);
        Ok(())
    }

    /// The first pass over a sales file: the ids whose rows are not all together.
    fn find_scattered_sales(&mut self, mut rows: Rows) -> Result<(), String> {
        let Some(&at) = self.columns.index.get("id") else { return Ok(()) };
        let mut seen: HashSet<u64> = HashSet::new();
        let mut current: Option<u64> = None;
        while let Some(raw) = rows.next_row()? {
            let Ok(fields) = &raw.fields else { continue };
            let id = hash_of(String::from_utf8_lossy(fields.get(at).map_or(&[][..], Vec::as_slice)).trim());
            if current != Some(id) {
                if !seen.insert(id) {
                    self.scattered.insert(id);
                }
                current = Some(id);
            }
        }
        Ok(())
    }

    fn reject(&mut self, raw: &RawRow, field: String, message: String, values: Vec<String>) {
        self.summary.rejected_rows += 1;
        self.watcher.rejected(&RejectedRow { row: raw.row, line: raw.line, field, message, values });
    }

    /// Reports every broken rule of one row (the row counted once).
    fn reject_row(&mut self, raw: &RawRow, errors: Vec<FieldError>, values: &[String]) {
        self.summary.rejected_rows += 1;
        self.summary.rejected_records += 1;
        for error in errors {
            let rejected = RejectedRow {
                row: raw.row,
                line: raw.line,
                field: self.columns.name_of(&error.field),
                message: error.message,
                values: values.to_vec(),
            };
            self.watcher.rejected(&rejected);
        }
    }

    /// Whether `id` was seen before in this file; if so the row is rejected.
    fn repeated_number(&mut self, raw: &RawRow, id: i64, values: &[String]) -> bool {
        if let Some(first) = self.seen_numbers.get(&id) {
            let error = FieldError::new("id", format!("id {id} appears twice in the file (first at row {first})"));
            self.reject_row(raw, vec![error], values);
            return true;
        }
        self.seen_numbers.insert(id, raw.row);
        false
    }

    fn customer(&mut self, raw: &RawRow, cells: &Cells<'_>) -> Result<(), String> {
        let mut errors = Vec::new();
        let id = if self.mapped("id") {
            match cells.string("id", &mut errors).map(|s| source_id(&s)) {
                Some(Ok(source)) => Some(self.mapped_id(SourceKind::Customer, &source)?),
                Some(Err(message)) => {
                    errors.push(FieldError::new("id", message));
                    None
                }
                None => None,
            }
        } else {
            cells.whole("id", &mut errors)
        };
        let fields = CustomerFields {
            id: id.unwrap_or_default(),
            name: cells.string("name", &mut errors).unwrap_or_default(),
            phone: cells.string("phone", &mut errors),
            email: cells.string("email", &mut errors),
            address: cells.string("address", &mut errors),
            notes: cells.string("notes", &mut errors),
            created_at: cells.time("created_at", &mut errors),
            tags: None,
        };
        let tags = cells.convert("tags", &mut errors, read_tags);
        let values = cells.values();
        if id.is_none() && errors.iter().all(|e| e.field != self.columns.name_of("id")) {
            errors.insert(0, FieldError::new("id", "is missing: every row needs its record's id"));
        }
        if !errors.is_empty() {
            self.reject_row(raw, errors, &values);
            return Ok(());
        }
        match Customer::parse(fields, self.now) {
            Err(errors) => self.reject_row(raw, errors, &values),
            Ok(customer) => {
                if !self.repeated_number(raw, customer.id.get(), &values) {
                    self.summary.records += 1;
                    if let Some(tags) = tags {
                        self.customer_tags.push((customer.id, tags));
                    }
                    self.customers.push(customer);
                    if self.customers.len() >= IMPORT_BATCH_RECORDS {
                        self.flush()?;
                    }
                }
            }
        }
        Ok(())
    }

    fn product(&mut self, raw: &RawRow, cells: &Cells<'_>) -> Result<(), String> {
        let mut errors = Vec::new();
        let id = cells.string("id", &mut errors);
        let fields = ProductFields {
            id: id.clone().unwrap_or_default(),
            name: cells.string("name", &mut errors).unwrap_or_default(),
            category: cells.string("category", &mut errors),
            stock_on_hand: cells.whole("stock_on_hand", &mut errors),
            lead_time_days: cells.whole("lead_time_days", &mut errors),
            unit_cost: cells.decimal("unit_cost", &mut errors),
            pack_size: cells.whole("pack_size", &mut errors),
            min_order_quantity: cells.whole("min_order_quantity", &mut errors),
            discontinued: cells.convert("discontinued", &mut errors, boolean),
        };
        let values = cells.values();
        if id.is_none() && errors.is_empty() {
            errors.push(FieldError::new("id", "is missing: every row needs its record's id"));
        }
        if !errors.is_empty() {
            self.reject_row(raw, errors, &values);
            return Ok(());
        }
        match Product::parse(fields) {
            Err(errors) => self.reject_row(raw, errors, &values),
            Ok(product) => {
                if let Some(first) = self.seen_codes.get(product.id.as_str()) {
                    let message =
                        format!("id {} appears twice in the file (first at row {first})", product.id.as_str());
                    self.reject_row(raw, vec![FieldError::new("id", message)], &values);
                    return Ok(());
                }
                self.seen_codes.insert(product.id.as_str().to_owned(), raw.row);
                self.summary.records += 1;
                self.products.push(product);
                if self.products.len() >= IMPORT_BATCH_RECORDS {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    fn event(&mut self, raw: &RawRow, cells: &Cells<'_>) -> Result<(), String> {
        let mut errors = Vec::new();
        let id = cells
            .convert("id", &mut errors, |t| whole(t).and_then(|n| EventId::try_from(n).map_err(|e| e.to_string())));
        let text = |field, errors: &mut Vec<FieldError>| cells.string(field, errors);
        let (event_type, name, date, end_date, impact_level, notes, uid) = (
            text("event_type", &mut errors).unwrap_or_default(),
            text("name", &mut errors).unwrap_or_default(),
            text("date", &mut errors).unwrap_or_default(),
            text("end_date", &mut errors),
            text("impact_level", &mut errors).unwrap_or_default(),
            text("notes", &mut errors),
            text("uid", &mut errors),
        );
        let fields = EventFields {
            event_type: &event_type,
            name: &name,
            date: &date,
            end_date: end_date.as_deref(),
            impact_level: &impact_level,
            expected_demand_multiplier: cells.decimal("expected_demand_multiplier", &mut errors),
            notes: notes.as_deref(),
            lead_days: cells.whole("lead_days", &mut errors),
        };
        let source_date = cells.convert("source_date", &mut errors, |t| parse_day(t).map_err(|e| e.to_string()));
        let values = cells.values();
        if !errors.is_empty() {
            self.reject_row(raw, errors, &values);
            return Ok(());
        }
        match CalendarEvent::parse(&fields) {
            Err(errors) => self.reject_row(raw, errors, &values),
            Ok(event) => {
                if let Some(id) = id
                    && self.repeated_number(raw, id.get(), &values)
                {
                    return Ok(());
                }
                self.summary.records += 1;
                self.events.0.push(EventRow { id, event, uid, source_date });
                if self.events.0.len() >= IMPORT_BATCH_RECORDS {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    /// Why the format's rules skip a sale row, if they do.
    fn skip_reason(&self, cells: &Cells<'_>) -> Option<&'static str> {
        match self.request.layout.rules {
            Rules::Plain | Rules::Shopify => None,
            Rules::Square => match cells.text("event_type").ok().flatten() {
                Some(kind) if kind.eq_ignore_ascii_case("payment") => None,
                Some(kind) if kind.eq_ignore_ascii_case("refund") => Some("refund row (Event Type Refund)"),
                _ => Some("not a payment (Event Type other than Payment)"),
            },
            Rules::OnlineRetail => {
                let text = |field| cells.text(field).ok().flatten();
                if text("id").is_some_and(|id| id.starts_with(['C', 'c'])) {
                    return Some("cancellation invoice (C...)");
                }
                if text("customer_id").is_none() {
                    return Some("no CustomerID");
                }
                if text("quantity").and_then(|q| whole(&q).ok()).is_some_and(|q| q <= 0) {
                    return Some("quantity not positive");
                }
                if text("unit_price").and_then(|p| decimal(&p, '.').ok()).is_some_and(|p| p <= 0.0) {
                    return Some("unit price not positive");
                }
                None
            }
        }
    }

    /// Takes one sale row: starts a sale, or adds a line to the one being assembled (or to
    /// a held one). Returns the sale being assembled after it.
    fn sale_row(
        &mut self,
        cells: &Cells<'_>,
        row: (u64, u64, Vec<String>),
        pending: Option<PendingSale>,
        unreadable_before: Option<u64>,
    ) -> Result<Option<PendingSale>, String> {
        if let Some(reason) = self.skip_reason(cells) {
            *self.summary.skipped.entry(reason.to_owned()).or_default() += 1;
            return Ok(pending);
        }
        let id = match cells.text("id") {
            Ok(Some(id)) => id,
            Ok(None) | Err(_) => {
                let raw = RawRow { row: row.0, line: row.1, fields: Ok(Vec::new()) };
                let error = match cells.text("id") {
                    Err(error) => error,
                    Ok(_) => FieldError::new("id", "is missing: every row needs its sale's id"),
                };
                self.reject_row(&raw, vec![error], &row.2);
                return Ok(pending);
            }
        };
        let hash = hash_of(&id);
        if self.scattered.contains(&hash) {
            let mut sale =
                self.held.remove(&id).unwrap_or_else(|| PendingSale { id: id.clone(), ..PendingSale::default() });
            sale.unreadable_row = sale.unreadable_row.or(unreadable_before);
            self.add_row(&mut sale, cells, row);
            self.held.insert(id, sale);
            return Ok(pending);
        }
        let mut sale = match pending {
            Some(same) if same.id == id => same,
            other => {
                if let Some(done) = other {
                    self.finish_sale(done)?;
                }
                PendingSale { id, ..PendingSale::default() }
            }
        };
        sale.unreadable_row = sale.unreadable_row.or(unreadable_before);
        self.add_row(&mut sale, cells, row);
        Ok(Some(sale))
    }

    /// Adds a row's sale fields (the first row's, or checked against them) and its line.
    fn add_row(&self, sale: &mut PendingSale, cells: &Cells<'_>, row: (u64, u64, Vec<String>)) {
        let at = sale.rows.len();
        let first = at == 0;
        let mut errors = Vec::new();
        let mapped_customer = self.mapped("customer_id");
        let customer_source = if mapped_customer { cells.string("customer_id", &mut errors) } else { None };
        let customer_id = if mapped_customer { None } else { cells.whole("customer_id", &mut errors) };
        let mut total = cells.amount("total_amount", &mut errors);
        let created_at = cells.time("created_at", &mut errors);
        let rules = self.request.layout.rules;
        let status = cells.convert("status", &mut errors, |t| match rules {
            Rules::Shopify => shopify_status(t),
            _ => t.parse::<SaleStatus>().map_err(|e| e.to_string()),
        });
        // A partly refunded Shopify order: its total is what the shop kept.
        if rules == Rules::Shopify
            && cells.text("status").ok().flatten().is_some_and(|s| s.eq_ignore_ascii_case("partially_refunded"))
            && let (Some(kept), Some(refunded)) = (total, cells.amount("refunded_amount", &mut errors))
        {
            total = Some(((kept - refunded) * 100.0).round() / 100.0);
        }
        let store_id = cells.string("store_id", &mut errors);
        let payment_method = cells.string("payment_method", &mut errors);
        let keep_first = self.request.layout.rules == Rules::OnlineRetail;
        if first {
            if cells.text("created_at").ok().flatten().is_none()
                && !errors.iter().any(|e| e.field == self.columns.name_of("created_at"))
            {
                errors.push(FieldError::new("created_at", "is missing: a sale's first row needs its time"));
            }
            if !self.mapped("id") {
                sale.fields.id = whole(&sale.id).unwrap_or_default();
                if whole(&sale.id).is_err() {
                    errors.push(FieldError::new("id", format!("{:?} is not a whole number", sale.id)));
                }
            }
            sale.fields.customer_id = customer_id;
            sale.customer_source = customer_source;
            sale.total_given = total.is_some();
            sale.fields.total_amount = total.unwrap_or_default();
            sale.fields.created_at = created_at.unwrap_or_default();
            sale.fields.status = status.unwrap_or_default();
            sale.fields.store_id = store_id;
            sale.fields.payment_method = payment_method;
        } else if !keep_first {
            // A later row repeats the sale's fields or leaves them empty.
            let differs = |name: &str, given: bool, same: bool| (given && !same).then(|| name.to_owned());
            let mismatched: Vec<String> = [
                differs("customer_id", customer_id.is_some(), customer_id == sale.fields.customer_id),
                differs("customer_id", customer_source.is_some(), customer_source == sale.customer_source),
                differs("total_amount", total.is_some(), total == Some(sale.fields.total_amount) && sale.total_given),
                differs("created_at", created_at.is_some(), created_at.as_deref() == Some(&sale.fields.created_at)),
                differs("status", status.is_some(), status == Some(sale.fields.status)),
                differs("store_id", store_id.is_some(), store_id == sale.fields.store_id),
                differs("payment_method", payment_method.is_some(), payment_method == sale.fields.payment_method),
            ]
            .into_iter()
            .flatten()
            .collect();
            for field in mismatched {
                let message = format!(
                    "differs from the sale's first row (row {}): a sale's rows repeat its fields or leave them empty",
                    sale.rows[0].0
                );
                errors.push(FieldError::new(field, message));
            }
        }
        let mut product_id = cells.string("product_id", &mut errors);
        let product_name = cells.string("product_name", &mut errors);
        if matches!(rules, Rules::Shopify | Rules::Square) && product_id.is_none() {
            // A line without a SKU: the product is known by its name.
            product_id.clone_from(&product_name);
        }
        let mut category = cells.string("category", &mut errors);
        if rules == Rules::Square && category.as_deref() == Some("None") {
            category = None; // Square's word for an item without a category
        }
        let line_given = ["product_name", "quantity", "unit_price", "line_total"]
            .iter()
            .any(|f| cells.text(f).ok().flatten().is_some());
        if let Some(product_id) = product_id {
            let quantity = cells.quantity(&mut errors);
            let unit_price = match (cells.amount("unit_price", &mut errors), cells.amount("line_total", &mut errors)) {
                (Some(price), _) => Some(price),
                // A line's total over its units, to the 4 decimals a unit price keeps.
                (None, Some(total)) => match quantity {
                    Some(units) if units != 0 => Some((total / units as f64 * 10_000.0).round() / 10_000.0),
                    _ => None,
                },
                (None, None) => None,
            };
            let line = SaleLineFields {
                product_id,
                product_name,
                category,
                quantity: quantity.unwrap_or_default(),
                unit_price: unit_price.unwrap_or_default(),
            };
            if cells.text("quantity").ok().flatten().is_none() {
                errors.push(FieldError::new("quantity", "is missing: a sale line needs its quantity"));
            }
            if ["unit_price", "line_total"].iter().all(|f| cells.text(f).ok().flatten().is_none()) {
                errors.push(FieldError::new("unit_price", "is missing: a sale line needs its unit price"));
            }
            sale.line_rows.push(at);
            sale.fields.items.push(line);
        } else if line_given {
            errors.push(FieldError::new("product_id", "is missing: a sale line needs its product"));
        }
        sale.errors.extend(errors.into_iter().map(|e| (at, e)));
        sale.rows.push(row);
    }

    /// Checks an assembled sale by the sync rules and queues it, or rejects all its rows.
    fn finish_sale(&mut self, mut sale: PendingSale) -> Result<(), String> {
        if self.mapped("id") {
            match source_id(&sale.id) {
                Ok(source) => sale.fields.id = self.mapped_id(SourceKind::Sale, &source)?,
                Err(message) => sale.errors.push((0, FieldError::new("id", message))),
            }
        }
        if let Some(source) = sale.customer_source.take() {
            match source_id(&source) {
                Ok(source) => sale.fields.customer_id = Some(self.mapped_id(SourceKind::Customer, &source)?),
                Err(message) => sale.errors.push((0, FieldError::new("customer_id", message))),
            }
        }
        if !sale.total_given {
            // No total column (or an empty one): the sum of the lines, each to the cent. Summed
            // wide: lines not checked yet can pass any amount (the sale's check then refuses
            // a total out of range, naming it).
            let cents: i128 = sale
                .fields
                .items
                .iter()
                .map(|l| {
                    UnitPrice::from_decimal(l.unit_price).map_or(0, |p| i128::from(p.line_total(l.quantity).cents()))
                })
                .sum();
            sale.fields.total_amount = cents as f64 / 100.0;
        }
        if let Some(row) = sale.unreadable_row {
            let message = format!("row {row} could not be read and may be one of this sale's lines");
            sale.errors.push((0, FieldError::new("id", message)));
        }
        if sale.errors.is_empty() {
            let number = sale.fields.id;
            match Sale::parse(std::mem::take(&mut sale.fields), self.target.zone(), self.now) {
                Ok(parsed) => {
                    if let Some(first) = self.seen_numbers.get(&number) {
                        let message = format!("sale id {number} appears twice in the file (first at row {first})");
                        sale.errors.push((0, FieldError::new("id", message)));
                    } else {
                        self.seen_numbers.insert(number, sale.rows[0].0);
                        self.summary.records += 1;
                        self.sales.push(parsed);
                        if self.sales.len() >= IMPORT_BATCH_RECORDS {
                            self.flush()?;
                        }
                        return Ok(());
                    }
                }
                Err(errors) => {
                    for error in errors {
                        let at = line_index(&error.field).and_then(|i| sale.line_rows.get(i).copied()).unwrap_or(0);
                        sale.errors.push((at, error));
                    }
                }
            }
        }
        self.summary.rejected_records += 1;
        let id = sale.id.clone();
        for (at, (row, line, values)) in sale.rows.iter().enumerate() {
            let raw = RawRow { row: *row, line: *line, fields: Ok(Vec::new()) };
            let mut mine: Vec<FieldError> =
                sale.errors.iter().filter(|(r, _)| *r == at).map(|(_, e)| e.clone()).collect();
            if mine.is_empty() {
                let bad: Vec<String> = {
                    let mut rows: Vec<u64> = sale.errors.iter().map(|(r, _)| sale.rows[*r].0).collect();
                    rows.dedup();
                    rows.iter().map(u64::to_string).collect()
                };
                let message = format!("sale {id} was not imported: its row {} is invalid", bad.join(", "));
                mine.push(FieldError::new("id", message));
            }
            self.summary.rejected_rows += 1;
            for error in mine {
                let rejected = RejectedRow {
                    row: raw.row,
                    line: raw.line,
                    field: self.columns.name_of(&error.field),
                    message: error.message,
                    values: values.clone(),
                };
                self.watcher.rejected(&rejected);
            }
        }
        Ok(())
    }

    /// Writes the queued records, one transaction (nothing on a dry run).
    fn flush(&mut self) -> Result<(), String> {
        let customers = std::mem::take(&mut self.customers);
        let tags = std::mem::take(&mut self.customer_tags);
        let products = std::mem::take(&mut self.products);
        let sales = std::mem::take(&mut self.sales);
        let events = std::mem::take(&mut self.events);
        if self.request.dry_run {
            return Ok(());
        }
        let written = |result: Result<SyncCounts, String>, count: usize| {
            result.map_err(|e| format!("storing a batch of {count} records failed, {e}"))
        };
        if !customers.is_empty() {
            let counts = written(self.target.store_customers(&customers, &tags), customers.len())?;
            self.summary.add(counts);
        }
        if !products.is_empty() {
            let counts = written(self.target.store_products(&products), products.len())?;
            self.summary.add(counts);
        }
        if !sales.is_empty() {
            let counts = written(self.target.store_sales(&sales), sales.len())?;
            self.summary.add(counts);
        }
        if !events.0.is_empty() {
            let counts = written(self.target.store_events(&events), events.0.len())?;
            self.summary.add(counts);
        }
        Ok(())
    }
}

/// A customer's manual tags: one a line in the cell (as the export writes them), each as
/// the tags endpoint takes it. An empty cell is "not given" and keeps the stored tags.
fn read_tags(text: &str) -> Result<Vec<String>, String> {
    let tags: Vec<String> = text.lines().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    crm_domain::parse_tags(&tags).map_err(|errors| {
        let broken: Vec<String> = errors
            .iter()
            .map(|e| {
                let which = e.field.strip_prefix("tags[").and_then(|r| r.strip_suffix(']'));
                let which = which.and_then(|i| i.parse::<usize>().ok());
                match which.and_then(|i| tags.get(i)) {
                    Some(tag) => format!("tag {tag:?} {}", e.message),
                    None => e.message.clone(),
                }
            })
            .collect();
        broken.join("; ")
    })
}

/// The line a sale's field error names (`items[3].quantity` → 3).
fn line_index(field: &str) -> Option<usize> {
    field.strip_prefix("items[")?.split_once(']')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_with_currency_signs_and_shopify_statuses_are_read() {
        assert_eq!(money("$8.00"), Ok(8.0));
        assert_eq!(money("-$9.00"), Ok(-9.0));
        assert_eq!(money("($1,234.50)"), Ok(-1234.5));
        assert_eq!(money("€12.5"), Ok(12.5));
        assert_eq!(money("12.50 kr"), Ok(12.5));
        assert_eq!(money("$"), Err("\"$\" is not an amount".into()));
        assert_eq!(money("$1.2.3"), Err("\"$1.2.3\" is not an amount".into()));
        assert_eq!(shopify_status("paid"), Ok(SaleStatus::Completed));
        assert_eq!(shopify_status("Partially_Refunded"), Ok(SaleStatus::Completed));
        assert_eq!(shopify_status("refunded"), Ok(SaleStatus::Refunded));
        assert_eq!(shopify_status("expired"), Ok(SaleStatus::Voided));
        assert!(shopify_status("unpaid").is_err());
        let zone = StoreZone::parse("UTC").unwrap();
        let shopify = ["%Y-%m-%d %H:%M:%S %z".to_owned()];
        assert_eq!(time("2026-05-12 12:08:21 -0700", &shopify, zone), Ok("2026-05-12T12:08:21-07:00".into()));
    }

    #[test]
    fn decimals_are_read_exactly_as_written_or_refused() {
        assert_eq!(decimal("12.50", '.'), Ok(12.5));
        assert_eq!(decimal("12,50", ','), Ok(12.5));
        assert_eq!(decimal("-0.001", '.'), Ok(-0.001));
        assert_eq!(
            decimal("1,234.50", '.'),
            Err("\"1,234.50\" is not a decimal number (this file's decimal separator is '.'; no thousands separators)"
                .into())
        );
        assert!(decimal("inf", '.').is_err());
        assert!(decimal("NaN", '.').is_err());
        assert!(decimal("1e3", '.').is_err());
        assert!(decimal(".", '.').is_err());
        assert_eq!(whole("0042"), Ok(42));
        assert!(whole("4.0").is_err());
        assert_eq!(whole("99999999999999999999"), Err("99999999999999999999 is too large".into()));
    }

    #[test]
    fn wall_clock_times_are_read_in_the_store_zone() {
        let london = StoreZone::parse("Europe/London").unwrap_or_else(|e| panic!("{e}"));
        let formats: Vec<String> = DEFAULT_TIME_FORMATS.iter().map(|f| (*f).to_owned()).collect();
        assert_eq!(time("2011-06-01 10:00:00", &formats, london), Ok("2011-06-01T09:00:00+00:00".into()));
        assert_eq!(time("2011-06-01T10:00:00+02:00", &formats, london), Ok("2011-06-01T10:00:00+02:00".into()));
        assert_eq!(time("2011-06-01", &formats, london), Ok("2011-06-01T11:00:00+00:00".into()));
        assert_eq!(
            time("2011-03-27 01:30", &formats, london),
            Err("2011-03-27 01:30 does not exist in Europe/London (the clocks jumped over it)".into())
        );
        assert!(
            time("1/6/2011", &formats, london).unwrap_err().starts_with("\"1/6/2011\" is not a time this layout reads")
        );
    }

    #[test]
    fn a_line_error_names_its_line() {
        assert_eq!(line_index("items[12].quantity"), Some(12));
        assert_eq!(line_index("total_amount"), None);
    }
}
