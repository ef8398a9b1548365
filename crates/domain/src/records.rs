//! The records the POS syncs: customers, sales with their lines, and products.
//! Every field is already validated; see the API layer for how raw JSON becomes these.

use crate::{CustomerId, Money, ProductId, SaleId, UnitPrice};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

impl fmt::Display for SaleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    /// The POS's sale id.
    pub id: SaleId,
    /// The customer, or `None` for a walk-in sale.
    pub customer_id: Option<CustomerId>,
    /// The receipt total.
    pub total: Money,
    /// When the sale happened.
    pub created_at: DateTime<Utc>,
    /// The store-local day of `created_at`, fixed at ingest.
    pub local_date: NaiveDate,
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
    /// Whether the sale counts as revenue.
    pub fn is_revenue(&self) -> bool {
        self.status == SaleStatus::Completed
    }

    /// Units sold across all lines.
    pub fn units(&self) -> i64 {
        self.items.iter().map(|item| item.quantity).sum()
    }
}

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
