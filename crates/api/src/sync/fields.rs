//! Collects every field error of one record while converting it, so a client learns of
//! all its mistakes at once.

use crm_domain::{DomainError, FieldError};

/// The field errors found so far in one record.
#[derive(Debug, Default)]
pub(super) struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Keeps a valid value, or records why `field` is invalid.
    pub(super) fn check<T>(&mut self, field: impl Into<String>, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error));
                None
            }
        }
    }

    /// Records a broken rule that no domain constructor covers.
    pub(super) fn fail(&mut self, field: impl Into<String>, message: impl std::fmt::Display) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The errors, or `Ok` with `value` when there are none.
    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}
