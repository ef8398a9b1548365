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
    /// The record's state does not allow the change (an erased customer's tags).
    #[error("{0}")]
    Conflict(String),
    /// The work outgrew its [`Budget`](crate::Budget): it took too long, or its caller left.
    #[error("{0}")]
    OverBudget(String),
    /// The store failed: busy, full, read-only, or a fault (its [`StoreFault::kind`]).
    #[error("the store failed")]
    Storage(#[source] StoreFault),
}

impl From<StorageError> for ServiceError {
    fn from(error: StorageError) -> Self {
        Self::Storage(StoreFault::from(error))
    }
}

/// What kind of failure of the store a [`StoreFault`] is: what its caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFaultKind {
    /// Another writer held the store past the wait, or no connection came free in time:
    /// transient, worth retrying.
    Busy,
    /// The disk, or the store's size cap, is full: writes fail until space is freed, reads
    /// go on.
    Full,
    /// The database file cannot be written: writes fail, reads go on.
    ReadOnly,
    /// Any other fault: a bug, a damaged file, a failed disk.
    Other,
}

/// A failure of the store, with its causes (for the log) and its [`StoreFaultKind`] (for
/// the answer). It shows as its cause: `the store failed: the database is busy: ...`.
#[derive(Debug)]
pub struct StoreFault {
    kind: StoreFaultKind,
    cause: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreFault {
    /// A fault of `kind` caused by `cause`.
    pub fn new(kind: StoreFaultKind, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { kind, cause: cause.into() }
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> StoreFaultKind {
        self.kind
    }
}

impl From<StorageError> for StoreFault {
    fn from(error: StorageError) -> Self {
        let kind = match &error {
            StorageError::Busy(_) => StoreFaultKind::Busy,
            StorageError::Full(_) => StoreFaultKind::Full,
            StorageError::ReadOnly(_) => StoreFaultKind::ReadOnly,
            _ => StoreFaultKind::Other,
        };
        Self::new(kind, error)
    }
}

impl std::fmt::Display for StoreFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.cause.fmt(f)
    }
}

impl std::error::Error for StoreFault {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.source()
    }
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
