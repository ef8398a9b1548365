//! Layouts: which column of a file holds which field of ours, how its numbers and times
//! are written, and the rules of a known export (which rows to skip and why).

use serde::Deserialize;
use std::collections::BTreeMap;

/// What a file holds: one kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// Customer profiles.
    Customers,
    /// Catalogue entries with stock.
    Products,
    /// Sales, one row per sale line (a sale without lines is one row without a product).
    Sales,
    /// Calendar events (the calendar export's columns).
    Calendar,
}

impl ImportKind {
    /// The kind's name, as the command line takes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Products => "products",
            Self::Sales => "sales",
            Self::Calendar => "calendar",
        }
    }

    /// Our fields for this kind, in the sync bodies' order; the required ones first.
    pub const fn fields(self) -> &'static [&'static str] {
        match self {
            // `tags` is the import's own: the manual purpose tags, one a line in the cell.
            Self::Customers => &["id", "name", "phone", "email", "address", "notes", "created_at", "tags"],
            Self::Products => &[
                "id",
                "name",
                "category",
                "stock_on_hand",
                "lead_time_days",
                "unit_cost",
                "pack_size",
                "min_order_quantity",
                "discontinued",
            ],
            Self::Sales => &[
                "id",
                "customer_id",
                "total_amount",
                "created_at",
                "status",
                "store_id",
                "payment_method",
                "product_id",
                "product_name",
                "category",
                "quantity",
                "unit_price",
                // The import's own: a line's total where a file has no unit price (the unit
                // price is then line_total / quantity), and the time of day where a file
                // keeps it in a column of its own (created_at then holds the day).
                "line_total",
                "time_of_day",
            ],
            Self::Calendar => &[
                "id",
                "event_type",
                "name",
                "date",
                "end_date",
                "impact_level",
                "expected_demand_multiplier",
                "lead_days",
                "notes",
                "uid",
                "source_date",
            ],
        }
    }

    /// The fields a file must have a column for.
    pub const fn required(self) -> &'static [&'static str] {
        match self {
            Self::Customers | Self::Products => &["id", "name"],
            Self::Sales => &["id", "created_at"],
            Self::Calendar => &["event_type", "name", "date", "impact_level"],
        }
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Customers, Self::Products, Self::Sales, Self::Calendar]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| format!("unknown kind {s:?}: customers, products, sales or calendar"))
    }
}

/// A known export's own rules, beyond its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rules {
    /// None: every row is a record (or a sale line), checked by the sync rules.
    #[default]
    Plain,
    /// The UCI Online Retail layout: rows of cancellation invoices (`C...`), rows without a
    /// customer and rows with a quantity or price that is not positive are skipped, each
    /// counted by reason; an invoice's first row gives its customer and time.
    OnlineRetail,
    /// Shopify's orders export: an order's `Financial Status` gives its status (refunded,
    /// voided or expired orders as such, the rest completed); a line without a SKU is the
    /// product of its name.
    Shopify,
    /// Square's item details export: refund rows are skipped and counted; amounts carry a
    /// currency sign and thousands separators; a line without a SKU is the product of its
    /// item name.
    Square,
}

/// How a file is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Our field → the file's column name (matched ignoring case and surrounding space).
    pub columns: BTreeMap<String, String>,
    /// The decimal separator: `.` (the default) or `,` (`12,50`).
    #[serde(default = "default_decimal")]
    pub decimal: char,
    /// Formats (chrono's `strftime` syntax) of wall-clock times in the store's time zone,
    /// tried in order after RFC 3339 with an offset, which is always read.
    #[serde(default = "default_time_formats")]
    pub time_formats: Vec<String>,
    /// The field delimiter, when it should not be read off the header.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// The text encoding, when there is no byte-order mark: `utf-8` or `windows-1252`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// Fields (`id`, `customer_id`) whose values are the source's own ids rather than
    /// numbers (an order number such as `#1001`, a customer's e-mail): each maps to a
    /// numeric id through the store's id map, the same on every import.
    #[serde(default)]
    pub mapped_ids: Vec<String>,
    /// Columns a known export's rules read beyond the fields (built-in formats only).
    #[serde(skip)]
    pub rule_columns: Vec<(&'static str, String)>,
    /// A known export's rules (built-in formats only).
    #[serde(skip)]
    pub rules: Rules,
    /// Whether a column of the layout may be missing from the file (the generic format
    /// names every field; a mapping file's columns must all be there).
    #[serde(skip)]
    pub lenient_columns: bool,
}

fn default_decimal() -> char {
    '.'
}

/// The wall-clock formats read by default, after RFC 3339.
pub const DEFAULT_TIME_FORMATS: [&str; 4] = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"];

fn default_time_formats() -> Vec<String> {
    DEFAULT_TIME_FORMATS.iter().map(|f| (*f).to_owned()).collect()
}

/// The built-in formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// Our own column names: the sync bodies' fields.
    Generic,
    /// The UCI Online Retail layout (sales only).
    OnlineRetail,
    /// Shopify's orders export (sales only).
    Shopify,
    /// Square's item details export (sales only).
    Square,
}

impl ImportFormat {
    /// Every built-in format, in the order the docs list them.
    pub const ALL: [Self; 4] = [Self::Generic, Self::OnlineRetail, Self::Shopify, Self::Square];

    /// The format's name, as the command line takes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Generic => "generic",
            Self::OnlineRetail => "online-retail",
            Self::Shopify => "shopify",
            Self::Square => "square",
        }
    }

    /// The format's layout for `kind`, or why it holds no such records.
    pub fn layout(self, kind: ImportKind) -> Result<Layout, String> {
        match (self, kind) {
            (Self::Generic, kind) => Ok(Layout {
                columns: kind.fields().iter().map(|f| ((*f).to_owned(), (*f).to_owned())).collect(),
                decimal: '.',
                time_formats: default_time_formats(),
                delimiter: None,
                encoding: None,
                mapped_ids: Vec::new(),
                rule_columns: Vec::new(),
                rules: Rules::Plain,
                lenient_columns: true,
            }),
            (Self::OnlineRetail, ImportKind::Sales) => Ok(Layout {
                columns: [
                    ("id", "InvoiceNo"),
                    ("product_id", "StockCode"),
                    ("product_name", "Description"),
                    ("quantity", "Quantity"),
                    ("created_at", "InvoiceDate"),
                    ("unit_price", "UnitPrice"),
                    ("customer_id", "CustomerID"),
                ]
                .into_iter()
                .map(|(ours, theirs)| (ours.to_owned(), theirs.to_owned()))
                .collect(),
                decimal: '.',
                // As the UCI file has it, and as the spreadsheet it was published in writes it.
                time_formats: vec!["%Y-%m-%d %H:%M:%S".into(), "%m/%d/%Y %H:%M".into()],
                delimiter: Some(','),
                encoding: None,
                mapped_ids: Vec::new(),
                rule_columns: Vec::new(),
                rules: Rules::OnlineRetail,
                lenient_columns: false,
            }),
            (Self::Shopify, ImportKind::Sales) => Ok(Layout {
                columns: columns(&[
                    ("id", "Name"),
                    ("customer_id", "Email"),
                    ("total_amount", "Total"),
                    ("created_at", "Created at"),
                    ("status", "Financial Status"),
                    ("payment_method", "Payment Method"),
                    ("product_id", "Lineitem sku"),
                    ("product_name", "Lineitem name"),
                    ("quantity", "Lineitem quantity"),
                    ("unit_price", "Lineitem price"),
                ]),
                decimal: '.',
                time_formats: vec!["%Y-%m-%d %H:%M:%S %z".into()],
                delimiter: Some(','),
                encoding: None,
                mapped_ids: vec!["id".into(), "customer_id".into()],
                rule_columns: vec![("refunded_amount", "Refunded Amount".into())],
                rules: Rules::Shopify,
                lenient_columns: false,
            }),
            (Self::Square, ImportKind::Sales) => Ok(Layout {
                columns: columns(&[
                    ("id", "Transaction ID"),
                    ("customer_id", "Customer ID"),
                    ("created_at", "Date"),
                    ("time_of_day", "Time"),
                    ("store_id", "Location"),
                    ("product_id", "SKU"),
                    ("product_name", "Item"),
                    ("category", "Category"),
                    ("quantity", "Qty"),
                    ("line_total", "Net Sales"),
                ]),
                decimal: '.',
                time_formats: vec![
                    "%Y-%m-%d %H:%M:%S".into(),
                    "%m/%d/%Y %H:%M:%S".into(),
                    "%m/%d/%y %H:%M:%S".into(),
                    "%Y-%m-%d %H:%M".into(),
                    "%m/%d/%Y %H:%M".into(),
                ],
                delimiter: Some(','),
                encoding: None,
                mapped_ids: vec!["id".into(), "customer_id".into()],
                rule_columns: vec![("event_type", "Event Type".into())],
                rules: Rules::Square,
                lenient_columns: false,
            }),
            (Self::OnlineRetail | Self::Shopify | Self::Square, kind) => Err(format!(
                "the {} format holds sales only (its customers are known by id alone); import it as sales, not {}",
                self.as_str(),
                kind.as_str()
            )),
        }
    }
}

/// A layout's columns from (field, column) pairs.
fn columns(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(ours, theirs)| ((*ours).to_owned(), (*theirs).to_owned())).collect()
}

impl std::str::FromStr for ImportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|f| f.as_str() == s.trim()).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown format {s:?}: one of {}, or --map for any other layout", names.join(", "))
        })
    }
}

impl Layout {
    /// Checks a layout read from a mapping file against `kind`: known fields only, the
    /// required ones present, a `.` or `,` decimal separator.
    pub fn check(&self, kind: ImportKind) -> Result<(), String> {
        let known = kind.fields();
        if let Some(unknown) = self.columns.keys().find(|f| !known.contains(&f.as_str())) {
            return Err(format!(
                "the mapping names a field {unknown:?} that {} do not have; their fields are {}",
                kind.as_str(),
                known.join(", ")
            ));
        }
        if let Some(missing) = kind.required().iter().find(|f| !self.columns.contains_key(**f)) {
            return Err(format!("the mapping gives no column for the required field {missing:?}"));
        }
        let mappable: &[&str] = match kind {
            ImportKind::Customers => &["id"],
            ImportKind::Sales => &["id", "customer_id"],
            ImportKind::Products | ImportKind::Calendar => &[],
        };
        if let Some(field) = self.mapped_ids.iter().find(|f| !mappable.contains(&f.as_str())) {
            return Err(format!(
                "mapped_ids names {field:?}: the id map numbers {} of {} ({})",
                if mappable.is_empty() { "no field" } else { "the fields" },
                kind.as_str(),
                if mappable.is_empty() { "their ids are text already".to_owned() } else { mappable.join(", ") }
            ));
        }
        if !matches!(self.decimal, '.' | ',') {
            return Err(format!("decimal must be \".\" or \",\", not {:?}", self.decimal));
        }
        if let Some(d) = self.delimiter.filter(|d| !matches!(d, ',' | ';' | '\t' | '|')) {
            return Err(format!("delimiter must be one of , ; | or a tab, not {d:?}"));
        }
        Ok(())
    }
}
