//! Identifier newtypes. Customers and sales carry the POS's positive integer ids;
//! products carry the POS's product code, a short string (SKUs such as `85123A`).

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The raw integer, as the POS knows it.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = DomainError;

            fn try_from(value: i64) -> Result<Self, Self::Error> {
                if value > 0 { Ok(Self(value)) } else { Err(DomainError::NonPositiveId(value)) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

integer_id!(
    /// A customer's id in the POS: a positive integer.
    CustomerId
);
integer_id!(
    /// A sale's id in the POS: a positive integer.
    SaleId
);

/// A product's code in the POS: at most 64 characters as sent, not blank, no control
/// characters; surrounding whitespace removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductId(String);

impl ProductId {
    /// The longest product code accepted.
    pub const MAX_LEN: usize = 64;

    /// Validates a product code.
    ///
    /// ```
    /// use crm_domain::ProductId;
    /// assert_eq!(ProductId::parse(" 85123A ").unwrap().as_str(), "85123A");
    /// assert!(ProductId::parse("").is_err());
    /// ```
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let within = code.chars().count() <= Self::MAX_LEN;
        let code = code.trim();
        let ok = !code.is_empty() && within && !code.chars().any(char::is_control);
        if ok { Ok(Self(code.to_owned())) } else { Err(DomainError::BadProductCode { max: Self::MAX_LEN }) }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code, consuming the id.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive() {
        assert!(CustomerId::try_from(0).is_err());
        assert!(SaleId::try_from(-4).is_err());
        assert_eq!(SaleId::try_from(1001).map(SaleId::get), Ok(1001));
    }

    #[test]
    fn product_codes_reject_control_characters_and_overlong_text() {
        assert!(ProductId::parse("ab\ncd").is_err());
        assert!(ProductId::parse(&"x".repeat(65)).is_err());
        assert!(ProductId::parse(&"x".repeat(64)).is_ok());
    }
}
