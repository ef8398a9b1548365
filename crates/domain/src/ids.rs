//! Identifier newtypes. Customers and sales carry the POS's positive integer ids;
//! products carry the POS's product code, a short string (SKUs such as `85123A`).

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest customer or sale id accepted: 2^53 - 1, the largest integer a JavaScript
/// client (the dashboard, a POS front end, a generated TypeScript client) holds exactly.
/// Larger ids would come back rounded, naming another record, so they are refused at the
/// edge instead.
pub const MAX_ID: i64 = (1 << 53) - 1;

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

            /// An id read back from the store, which took it only through [`TryFrom`]: not
            /// checked again.
            pub const fn from_stored(id: i64) -> Self {
                Self(id)
            }
        }

        impl TryFrom<i64> for $name {
            type Error = DomainError;

            fn try_from(value: i64) -> Result<Self, Self::Error> {
                if value <= 0 {
                    Err(DomainError::NonPositiveId(value))
                } else if value > MAX_ID {
                    Err(DomainError::OutOfRange { value: value.to_string(), min: "1".into(), max: MAX_ID.to_string() })
                } else {
                    Ok(Self(value))
                }
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
integer_id!(
    /// A calendar event's id, given by the store when the event is added.
    EventId
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
        // The rule of every required one-line text (normalised, edges trimmed, something
        // visible), with its own message but for bidirectional controls.
        match crate::required_text(code, crate::TextRule::line(Self::MAX_LEN)) {
            Ok(code) => Ok(Self(code)),
            Err(DomainError::BidiControl) => Err(DomainError::BidiControl),
            Err(_) => Err(DomainError::BadProductCode { max: Self::MAX_LEN }),
        }
    }

    /// A code read back from the store, which took it only through [`ProductId::parse`]:
    /// not checked again.
    pub fn from_stored(code: impl Into<String>) -> Self {
        Self(code.into())
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
    fn ids_above_what_javascript_holds_exactly_are_refused() {
        assert_eq!(CustomerId::try_from(9_007_199_254_740_991).map(CustomerId::get), Ok(9_007_199_254_740_991));
        assert_eq!(
            SaleId::try_from(9_007_199_254_740_992),
            Err(DomainError::OutOfRange {
                value: "9007199254740992".into(),
                min: "1".into(),
                max: "9007199254740991".into()
            })
        );
        assert!(CustomerId::try_from(i64::MAX).is_err());
    }

    #[test]
    fn product_codes_reject_control_characters_and_overlong_text() {
        assert!(ProductId::parse("ab\ncd").is_err());
        assert!(ProductId::parse(&"x".repeat(65)).is_err());
        assert!(ProductId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn product_codes_are_normalised_and_must_show_something() {
        assert_eq!(ProductId::parse("CAFE\u{301}-1"), ProductId::parse("CAF\u{c9}-1"));
        assert_eq!(ProductId::parse("\u{200b}"), Err(DomainError::BadProductCode { max: 64 }));
        assert_eq!(ProductId::parse("A\u{202e}1"), Err(DomainError::BidiControl));
    }
}
