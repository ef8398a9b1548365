//! Personal data, in and out for good: a customer's own data as one export (an access
//! request) and erasure (the name, contact details, notes and tags removed; the sales kept
//! under the now anonymous id).

use crate::export::EXPORT_PAGE;
use crate::{InsightCard, Service, ServiceError};
use chrono::{DateTime, NaiveDateTime, Utc};
use crm_domain::{CustomerId, Money, UnitPrice};
use crm_storage::export::{self as stored, ExportedSale, SaleFilter};
use crm_storage::{Change, ingest};

/// Everything the store holds about one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerData {
    /// The profile as the POS sent it, with the manual tags.
    pub customer: CustomerRecord,
    /// The checkout card: what the analytics derived about the customer.
    pub card: InsightCard,
    /// The customer's sales with their lines, by id.
    pub sales: Vec<SaleRecord>,
}

/// A customer's profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    /// The POS's id.
    pub id: CustomerId,
    /// Name (none for a customer known only from sales, or erased).
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// When the POS created the customer.
    pub created_at: Option<DateTime<Utc>>,
    /// Manual purpose tags, sorted.
    pub tags: Vec<String>,
    /// When the customer's personal data was erased.
    pub erased_at: Option<DateTime<Utc>>,
}

/// A sale as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecord {
    /// The POS's id.
    pub id: i64,
    /// The receipt total.
    pub total: Money,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// `completed`, `refunded` or `voided`.
    pub status: String,
    /// Store or till.
    pub store_id: Option<String>,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// Its lines, in order.
    pub lines: Vec<SaleLineRecord>,
}

/// A sale line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLineRecord {
    /// Product code.
    pub product_id: String,
    /// Name on the receipt.
    pub product_name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: UnitPrice,
}

impl Service {
    /// Everything the store holds about `customer` (an access request): the profile and
    /// tags, the card, every sale with its lines.
    pub fn customer_data(&self, customer: CustomerId) -> Result<CustomerData, ServiceError> {
        let stored = self
            .db
            .read(|conn| stored::customer(conn, customer.get()))?
            .ok_or_else(|| ServiceError::NotFound(format!("no customer with id {customer}")))?;
        let (card, _) = self.card(customer)?;
        let filter = SaleFilter { days: None, customer: Some(customer.get()) };
        let (mut sales, mut after) = (Vec::new(), 0);
        loop {
            let page = self.db.read(|conn| stored::sales_after(conn, after, EXPORT_PAGE, filter))?;
            let full = page.len() as i64 == EXPORT_PAGE;
            after = page.last().map_or(after, |s| s.id);
            sales.extend(page.into_iter().map(sale_record));
            if !full {
                break;
            }
        }
        let present = |text: String| (!text.is_empty()).then_some(text);
        let customer = CustomerRecord {
            id: customer,
            name: present(stored.name),
            phone: stored.phone,
            email: stored.email,
            address: stored.address,
            notes: stored.notes,
            created_at: stored.created_at.map(utc),
            tags: stored.tags,
            erased_at: stored.erased_at.map(utc),
        };
        Ok(CustomerData { customer, card, sales })
    }

    /// Erases `customer`'s personal data for good: name, phone, e-mail, address, notes, the
    /// POS's creation time and manual tags are removed, its prepared card dropped, and later
    /// syncs of the id store none of its fields. The sales stay under the id, so the shop's
    /// figures do not change; the customer's analytics are derived from them alone.
    pub fn erase_customer(&self, customer: CustomerId) -> Result<(), ServiceError> {
        let now = self.now();
        let erased = self.write_changing(|conn| {
            let erased = ingest::erase_customer(conn, customer.get(), now)?;
            let change = if erased {
                Change { customers: vec![customer.get()], ..Change::default() }
            } else {
                Change::default()
            };
            Ok((erased, change))
        })?;
        if !erased {
            return Err(ServiceError::NotFound(format!("no customer with id {customer}")));
        }
        // The id alone: the log never holds what was erased.
        log::info!("customer {customer} erased: name, contact details, notes and tags removed; sales kept");
        Ok(())
    }
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(at, Utc)
}

fn sale_record(sale: ExportedSale) -> SaleRecord {
    SaleRecord {
        id: sale.id,
        total: Money::from_cents(sale.total_cents),
        created_at: utc(sale.created_at),
        status: sale.status,
        store_id: sale.store_id,
        payment_method: sale.payment_method,
        lines: sale
            .lines
            .into_iter()
            .map(|l| SaleLineRecord {
                product_id: l.product_id,
                product_name: l.product_name,
                category: l.category,
                quantity: l.quantity,
                unit_price: UnitPrice::from_ten_thousandths(l.unit_price_e4),
            })
            .collect(),
    }
}
