//! The records the POS syncs: customers, sales with their lines, and products, and the
//! rules that turn what a POS sent (the `*Fields` types) into them. A record holds only
//! values that passed every rule; a failed record reports each broken rule by field.

use crate::text::{optional_email, optional_text, required_text, rules};
use crate::{
    CustomerId, DomainError, FieldError, Fields, MAX_ITEMS_PER_SALE, MAX_QUANTITY, Money, ProductId, SaleId, StoreZone,
    UnitPrice, parse_timestamp,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::str::FromStr;

/// A customer profile as the POS knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The POS's customer id.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// Phone number, as typed at the POS.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// When the POS created the customer, if it says.
    pub created_at: Option<DateTime<Utc>>,
}

/// What became of a sale. Only completed sales count as revenue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SaleStatus {
    /// A normal, paid sale.
    #[default]
    Completed,
    /// Paid, then refunded: no longer revenue.
    Refunded,
    /// Cancelled before payment: never revenue.
    Voided,
}

impl SaleStatus {
    /// Every status, in a stable order.
    pub const ALL: [Self; 3] = [Self::Completed, Self::Refunded, Self::Voided];

    /// The status's name as stored and sent over the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Refunded => "refunded",
            Self::Voided => "voided",
        }
    }
}

impl FromStr for SaleStatus {
    type Err = crate::DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| crate::DomainError::UnknownStatus(s.to_owned()))
    }
}

/// One line of a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleItem {
    /// The product's code.
    pub product_id: ProductId,
    /// The product's name as printed on the receipt, if sent.
    pub product_name: Option<String>,
    /// The product's category, if sent.
    pub category: Option<String>,
    /// Units sold: positive.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: UnitPrice,
}

/// A sale (a receipt) with its optional lines.
///
/// When it happened and its store-local day are set together by [`Sale::new`] and can only
/// be read afterwards, so the two never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// The POS's sale id.
    pub id: SaleId,
    /// The customer, or `None` for a walk-in sale.
    pub customer_id: Option<CustomerId>,
    /// The receipt total.
    pub total: Money,
    /// When the sale happened.
    created_at: DateTime<Utc>,
    /// The store-local day of `created_at`.
    local_date: NaiveDate,
    /// Completed, refunded or voided.
    pub status: SaleStatus,
    /// Which store (till, branch) made the sale, if the POS has several.
    pub store_id: Option<String>,
    /// How it was paid (cash, card, ...), as the POS names it.
    pub payment_method: Option<String>,
    /// The receipt's lines; may be empty when the POS sends totals only.
    pub items: Vec<SaleItem>,
}

impl Sale {
    /// A completed walk-in sale without lines, made at `created_at`; its local day is the
    /// day `zone` gives that instant. Set the other fields as needed.
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use crm_domain::{Money, Sale, SaleId, StoreZone};
    /// let at = DateTime::parse_from_rfc3339("2025-09-28T04:30:00Z").unwrap().to_utc();
    /// let chicago = StoreZone::parse("America/Chicago").unwrap();
    /// let sale = Sale::new(SaleId::try_from(1).unwrap(), Money::from_cents(150), at, chicago);
    /// assert_eq!(sale.local_date(), NaiveDate::from_ymd_opt(2025, 9, 27).unwrap());
    /// ```
    pub fn new(id: SaleId, total: Money, created_at: DateTime<Utc>, zone: StoreZone) -> Self {
        Self {
            id,
            customer_id: None,
            total,
            created_at,
            local_date: zone.local_date(created_at),
            status: SaleStatus::Completed,
            store_id: None,
            payment_method: None,
            items: Vec::new(),
        }
    }

    /// When the sale happened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// The store-local day of the sale.
    pub fn local_date(&self) -> NaiveDate {
        self.local_date
    }

    /// Moves the sale to another instant (a correction from the POS), and with it to that
    /// instant's day in `zone`.
    pub fn set_created_at(&mut self, created_at: DateTime<Utc>, zone: StoreZone) {
        self.created_at = created_at;
        self.local_date = zone.local_date(created_at);
    }

    /// Validates a sale as the POS sent it, against the clock `now` (a sale may not lie
    /// far in the future) and in the store's time zone, reporting every broken rule by
    /// field (`items[2].quantity`).
    pub fn parse(fields: SaleFields, zone: StoreZone, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::default();
        let id = f.check("id", SaleId::try_from(fields.id));
        let customer_id = f.check("customer_id", fields.customer_id.map(CustomerId::try_from).transpose());
        let total = f.check("total_amount", Money::from_decimal(fields.total_amount));
        let created_at = f.check("created_at", parse_timestamp(&fields.created_at, now));
        let store_id = f.check("store_id", optional_text(fields.store_id.as_deref(), rules::CODE));
        let payment_method = f.check("payment_method", optional_text(fields.payment_method.as_deref(), rules::CODE));
        if fields.items.len() > MAX_ITEMS_PER_SALE {
            f.fail("items", format!("a sale may have at most {MAX_ITEMS_PER_SALE} lines, got {}", fields.items.len()));
        }
        let items: Vec<Option<SaleItem>> =
            fields.items.into_iter().enumerate().map(|(i, line)| SaleItem::parse(line, &mut f, i)).collect();
        let sale = (|| {
            let mut sale = Self::new(id?, total?, created_at?, zone);
            sale.customer_id = customer_id?;
            sale.status = fields.status;
            sale.store_id = store_id?;
            sale.payment_method = payment_method?;
            sale.items = items.into_iter().collect::<Option<Vec<_>>>()?;
            Some(sale)
        })();
        f.finish(sale)
    }

    /// Whether the sale counts as revenue.
    pub fn is_revenue(&self) -> bool {
        self.status == SaleStatus::Completed
    }

    /// Units sold across all lines.
    pub fn units(&self) -> i64 {
        self.items.iter().map(|item| item.quantity).sum()
    }
}

impl SaleItem {
    /// Validates line `index` of a sale, noting broken rules as `items[index].field`.
    fn parse(fields: SaleLineFields, f: &mut Fields, index: usize) -> Option<Self> {
        let path = |field: &str| format!("items[{index}].{field}");
        let product_id = f.check(path("product_id"), ProductId::parse(&fields.product_id));
        let product_name = f.check(path("product_name"), optional_text(fields.product_name.as_deref(), rules::NAME));
        let category = f.check(path("category"), optional_text(fields.category.as_deref(), rules::CATEGORY));
        let quantity = f.check(path("quantity"), in_range(Some(fields.quantity), 1, MAX_QUANTITY));
        let unit_price = f.check(path("unit_price"), UnitPrice::from_decimal(fields.unit_price));
        Some(Self {
            product_id: product_id?,
            product_name: product_name?,
            category: category?,
            quantity: quantity.flatten()?,
            unit_price: unit_price?,
        })
    }
}

/// A sale as the POS sent it, before validation ([`Sale::parse`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaleFields {
    /// The POS's sale id.
    pub id: i64,
    /// The customer's id; `None` for a walk-in sale.
    pub customer_id: Option<i64>,
    /// Receipt total.
    pub total_amount: f64,
    /// When: RFC 3339 with an offset.
    pub created_at: String,
    /// What became of it.
    pub status: SaleStatus,
    /// Which store or till.
    pub store_id: Option<String>,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// The receipt's lines.
    pub items: Vec<SaleLineFields>,
}

/// A sale line as the POS sent it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaleLineFields {
    /// Product code.
    pub product_id: String,
    /// The name on the receipt.
    pub product_name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: f64,
}

impl Customer {
    /// Validates a customer as the POS sent it, against the clock `now`, reporting every
    /// broken rule by field.
    ///
    /// ```
    /// use crm_domain::{Customer, CustomerFields};
    /// let now = chrono::Utc::now();
    /// let fields = CustomerFields { id: 1, name: " John Doe ".into(), ..CustomerFields::default() };
    /// assert_eq!(Customer::parse(fields, now).unwrap().name, "John Doe");
    /// let bad = CustomerFields { id: 0, email: Some("john at example".into()), ..CustomerFields::default() };
    /// let fields: Vec<String> = Customer::parse(bad, now).unwrap_err().into_iter().map(|e| e.field).collect();
    /// assert_eq!(fields, ["id", "name", "email"]);
    /// ```
    pub fn parse(fields: CustomerFields, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::default();
        let id = f.check("id", CustomerId::try_from(fields.id));
        let name = f.check("name", required_text(&fields.name, rules::NAME));
        let phone = f.check("phone", optional_text(fields.phone.as_deref(), rules::PHONE));
        let email = f.check("email", optional_email(fields.email.as_deref()));
        let address = f.check("address", optional_text(fields.address.as_deref(), rules::ADDRESS));
        let notes = f.check("notes", optional_text(fields.notes.as_deref(), rules::NOTES));
        let created_at = f.check("created_at", fields.created_at.map(|t| parse_timestamp(&t, now)).transpose());
        let customer = (|| {
            Some(Self {
                id: id?,
                name: name?,
                phone: phone?,
                email: email?,
                address: address?,
                notes: notes?,
                created_at: created_at?,
            })
        })();
        f.finish(customer)
    }
}

/// A customer as the POS sent it, before validation ([`Customer::parse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFields {
    /// The POS's customer id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// When the POS created the customer: RFC 3339 with an offset.
    pub created_at: Option<String>,
    /// The manual purpose tags, replacing the stored ones when given ([`crate::parse_tags`]'s
    /// rules); not given, the stored ones stay. [`Customer::parse`] does not read them.
    pub tags: Option<Vec<String>>,
}

/// Largest stock level accepted, either way.
pub const MAX_STOCK: i64 = 1_000_000_000;
/// Longest lead time accepted, in days.
pub const MAX_LEAD_TIME_DAYS: i32 = 365;
/// Largest pack size and minimum order accepted, in units.
pub const MAX_ORDER_UNITS: i64 = 1_000_000;

/// A catalogue entry with its stock level, for reorder advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The product's code, as used on sale lines.
    pub id: ProductId,
    /// Display name.
    pub name: String,
    /// Category, for grouping and purpose tags.
    pub category: Option<String>,
    /// Units in stock now; may be negative when the POS allows overselling.
    pub stock_on_hand: Option<i64>,
    /// Days from ordering to delivery.
    pub lead_time_days: Option<i32>,
    /// What one unit costs the shop.
    pub unit_cost: Option<UnitPrice>,
    /// Units per pack: the supplier sells whole packs.
    pub pack_size: Option<i64>,
    /// The smallest order the supplier accepts, in units.
    pub min_order_quantity: Option<i64>,
    /// No longer sold: never recommended for reorder.
    pub discontinued: bool,
}

impl Product {
    /// Validates a catalogue entry as the POS sent it, reporting every broken rule by field.
    ///
    /// ```
    /// use crm_domain::{Product, ProductFields};
    /// let fields = ProductFields { id: "85123A".into(), name: "T-light holder".into(), lead_time_days: Some(7), ..ProductFields::default() };
    /// assert_eq!(Product::parse(fields).unwrap().lead_time_days, Some(7));
    /// let bad = ProductFields { id: " ".into(), name: "x".into(), unit_cost: Some(1.23456), ..ProductFields::default() };
    /// let fields: Vec<String> = Product::parse(bad).unwrap_err().into_iter().map(|e| e.field).collect();
    /// assert_eq!(fields, ["id", "unit_cost"]);
    /// ```
    pub fn parse(fields: ProductFields) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::default();
        let id = f.check("id", ProductId::parse(&fields.id));
        let name = f.check("name", required_text(&fields.name, rules::NAME));
        let category = f.check("category", optional_text(fields.category.as_deref(), rules::CATEGORY));
        let stock_on_hand = f.check("stock_on_hand", in_range(fields.stock_on_hand, -MAX_STOCK, MAX_STOCK));
        let lead_time_days = f.check(
            "lead_time_days",
            in_range(fields.lead_time_days, 0, i64::from(MAX_LEAD_TIME_DAYS))
                .map(|days| days.and_then(|d| i32::try_from(d).ok())),
        );
        let unit_cost = f.check("unit_cost", fields.unit_cost.map(UnitPrice::from_decimal).transpose());
        let pack_size = f.check("pack_size", in_range(fields.pack_size, 1, MAX_ORDER_UNITS));
        let min_order_quantity = f.check("min_order_quantity", in_range(fields.min_order_quantity, 1, MAX_ORDER_UNITS));
        let product = (|| {
            Some(Self {
                id: id?,
                name: name?,
                category: category?,
                stock_on_hand: stock_on_hand?,
                lead_time_days: lead_time_days?,
                unit_cost: unit_cost?,
                pack_size: pack_size?,
                min_order_quantity: min_order_quantity?,
                discontinued: fields.discontinued.unwrap_or(false),
            })
        })();
        f.finish(product)
    }
}

/// A catalogue entry as the POS sent it, before validation ([`Product::parse`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductFields {
    /// Product code.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Units in stock.
    pub stock_on_hand: Option<i64>,
    /// Days from ordering to delivery.
    pub lead_time_days: Option<i64>,
    /// What one unit costs the shop.
    pub unit_cost: Option<f64>,
    /// Units per pack.
    pub pack_size: Option<i64>,
    /// Smallest order, in units.
    pub min_order_quantity: Option<i64>,
    /// No longer sold (absent: `false`).
    pub discontinued: Option<bool>,
}

/// The value when absent or within `min..=max`.
pub(crate) fn in_range<T: PartialOrd + ToString>(value: Option<T>, min: T, max: T) -> Result<Option<T>, DomainError> {
    match value {
        Some(v) if v < min || v > max => {
            Err(DomainError::OutOfRange { value: v.to_string(), min: min.to_string(), max: max.to_string() })
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_case_insensitively_and_reject_unknown_words() {
        assert_eq!("Refunded".parse(), Ok(SaleStatus::Refunded));
        assert!("returned".parse::<SaleStatus>().is_err());
    }
}
