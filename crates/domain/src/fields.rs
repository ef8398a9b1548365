//! Collects every field error of one record while it is validated, so a client learns of
//! all its mistakes at once.

use crate::{DomainError, FieldError};
use std::fmt;

/// The field errors found so far in one record.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Keeps a valid value, or notes why `field` is invalid.
    ///
    /// ```
    /// use crm_domain::{DomainError, Fields};
    /// let mut f = Fields::default();
    /// assert_eq!(f.check("a", Ok::<_, DomainError>(1)), Some(1));
    /// assert_eq!(f.check("b", Err::<i32, _>(DomainError::Empty)), None);
    /// let errors = f.finish(Some(())).unwrap_err();
    /// assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("b", "must not be empty"));
    /// ```
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error));
                None
            }
        }
    }

    /// Notes a broken rule that no single value's constructor covers.
    pub fn fail(&mut self, field: impl Into<String>, message: impl fmt::Display) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The errors, or `Ok` with `value` when there are none (`value` is `None` only when
    /// an error was noted).
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}
