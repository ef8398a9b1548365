//! Errors raised by domain validation.

use std::fmt;

/// Why a single value failed its rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An id was zero or negative.
    #[error("must be a positive integer, got {0}")]
    NonPositiveId(i64),
    /// A product code was empty, too long or held control characters.
    #[error("must be 1 to {max} characters without control characters")]
    BadProductCode {
        /// The longest code accepted.
        max: usize,
    },
    /// A decimal carried more fractional digits than the field allows.
    #[error("must have at most {max} decimal places, got {value}")]
    TooManyDecimals {
        /// The value as received.
        value: String,
        /// The most decimal places allowed.
        max: u32,
    },
    /// A number was negative where only zero or more makes sense.
    #[error("must not be negative, got {0}")]
    Negative(String),
    /// A number was outside the range the field accepts.
    #[error("must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// The value as received.
        value: String,
        /// The smallest value accepted.
        min: String,
        /// The largest value accepted.
        max: String,
    },
    /// A required text was missing, blank, or made only of invisible characters.
    #[error("must not be empty")]
    Empty,
    /// A text was longer than its field allows.
    #[error("must be at most {max} characters, got {len}")]
    TooLong {
        /// The length received, in characters.
        len: usize,
        /// The longest text accepted.
        max: usize,
    },
    /// A text held a character that the field does not accept.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// A text held a bidirectional override or isolate control, which can make the text
    /// display as something other than what it stores.
    #[error("must not contain bidirectional override or isolate characters (U+202A-U+202E, U+2066-U+2069)")]
    BidiControl,
    /// An e-mail address did not have the shape of one.
    #[error("must look like an e-mail address (name@domain)")]
    BadEmail,
    /// A timestamp was not RFC 3339 with an offset.
    #[error("must be an RFC 3339 timestamp with an offset, such as 2025-09-27T10:30:00Z")]
    BadTimestamp,
    /// A timestamp was outside the accepted window.
    #[error("must be between {min} and {max}")]
    TimestampOutOfRange {
        /// The earliest instant accepted.
        min: String,
        /// The latest instant accepted.
        max: String,
    },
    /// A status was not one of the known values.
    #[error("must be one of completed, refunded, voided; got {0:?}")]
    UnknownStatus(String),
    /// A date was not an ISO 8601 calendar date.
    #[error("must be a date such as 2025-11-12, got {0:?}")]
    BadDate(String),
    /// An event ended before it began.
    #[error("must not be before date {0}")]
    EndsBeforeStart(String),
    /// An impact level was not one of the known values.
    #[error("must be one of low, medium, high; got {0:?}")]
    UnknownImpact(String),
    /// A time zone name was not in the IANA database.
    #[error("unknown IANA time zone {0:?}")]
    UnknownTimeZone(String),
}

/// One rule broken by one field of one record, as reported back to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field inside the record, such as `items[2].unit_price`.
    pub field: String,
    /// What is wrong, in words a POS developer can act on.
    pub message: String,
}

impl FieldError {
    /// A field error from any displayable cause.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self { field: field.into(), message: message.to_string() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
/// An error and its causes, outermost first, joined by `: `: what a log line or a health
/// report shows.
///
/// ```
/// #[derive(Debug)]
/// struct Saving(std::io::Error);
/// impl std::fmt::Display for Saving {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("cannot save the batch")
///     }
/// }
/// impl std::error::Error for Saving {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
///         Some(&self.0)
///     }
/// }
/// let error = Saving(std::io::Error::other("disk full"));
/// assert_eq!(crm_domain::error_chain(&error), "cannot save the batch: disk full");
/// ```
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
