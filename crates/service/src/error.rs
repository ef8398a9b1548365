//! Why a use case refused or failed. Each variant says what the caller can do about it; a
//! storage failure keeps its cause chain as `source`.

use crm_domain::FieldError;
use crm_storage::StorageError;

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Records or fields broke the rules; nothing was written.
    #[error("{}", .0.detail)]
    Invalid(Invalid),
    /// A parameter is outside what the use case accepts (a range, a page size).
    #[error("{0}")]
    BadParameter(String),
    /// A batch holds more records than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// The named record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The work outgrew its [`Budget`](crate::Budget): it took too long, or its caller left.
    #[error("{0}")]
    OverBudget(String),
    /// The store failed (busy, or a fault).
    #[error("the store failed")]
    Storage(#[from] StorageError),
}

/// Every broken rule of a request, by record (for batches) and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// A one-line summary, such as "2 of 3 records are invalid; nothing was written".
    pub detail: String,
    /// The broken rules.
    pub errors: Vec<RecordFault>,
}

/// One broken rule of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFault {
    /// The record's position in its batch; `None` outside a batch.
    pub index: Option<usize>,
    /// The field and what is wrong with it.
    pub error: FieldError,
}

impl Invalid {
    /// The broken rules of a single record (not part of a batch).
    pub fn record(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        Self {
            detail: detail.into(),
            errors: errors.into_iter().map(|error| RecordFault { index: None, error }).collect(),
        }
    }
}

impl From<Invalid> for ServiceError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid)
    }
}
