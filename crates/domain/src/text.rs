//! Bounded free-text fields (names, phones, notes). POS data is messy: blank strings
//! mean "not given", surrounding whitespace is trimmed, and length is bounded so one bad
//! record cannot bloat the store.

use crate::DomainError;

/// The rule for one text field: its longest length and whether line breaks are allowed.
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// Longest text accepted, in characters.
    pub max_chars: usize,
    /// Whether line breaks and tabs are accepted (notes, addresses).
    pub multiline: bool,
}

impl TextRule {
    /// A one-line field of at most `max_chars` characters.
    pub const fn line(max_chars: usize) -> Self {
        Self { max_chars, multiline: false }
    }

    /// A multi-line field of at most `max_chars` characters.
    pub const fn multiline(max_chars: usize) -> Self {
        Self { max_chars, multiline: true }
    }

    fn check(self, text: &str) -> Result<(), DomainError> {
        let len = text.chars().count();
        if len > self.max_chars {
            return Err(DomainError::TooLong { len, max: self.max_chars });
        }
        let allowed = |c: char| self.multiline && matches!(c, '\n' | '\r' | '\t');
        if text.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(DomainError::ControlCharacter);
        }
        Ok(())
    }
}

/// A required text: trimmed, not blank, within its rule.
///
/// ```
/// use crm_domain::{TextRule, required_text};
/// assert_eq!(required_text(" John Doe ", TextRule::line(200)).unwrap(), "John Doe");
/// assert!(required_text("   ", TextRule::line(200)).is_err());
/// ```
pub fn required_text(text: &str, rule: TextRule) -> Result<String, DomainError> {
    match optional_text(Some(text), rule)? {
        Some(text) => Ok(text),
        None => Err(DomainError::Empty),
    }
}

/// An optional text: trimmed; missing or blank becomes `None`. The length bound counts
/// the text as sent, surrounding whitespace included (so it says what a JSON Schema
/// `maxLength` says); control characters are refused inside the trimmed text.
///
/// ```
/// use crm_domain::{TextRule, optional_text};
/// assert_eq!(optional_text(Some(""), TextRule::line(32)).unwrap(), None);
/// assert_eq!(optional_text(Some(" 12 "), TextRule::line(32)).unwrap().as_deref(), Some("12"));
/// assert!(optional_text(Some(" 1234 "), TextRule::line(5)).is_err());
/// ```
pub fn optional_text(text: Option<&str>, rule: TextRule) -> Result<Option<String>, DomainError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let len = text.chars().count();
    if len > rule.max_chars {
        return Err(DomainError::TooLong { len, max: rule.max_chars });
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    rule.check(text)?;
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_fields_refuse_line_breaks_but_notes_accept_them() {
        assert_eq!(optional_text(Some("a\nb"), TextRule::line(10)), Err(DomainError::ControlCharacter));
        assert!(optional_text(Some("a\nb"), TextRule::multiline(10)).is_ok());
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        assert!(optional_text(Some("ééé"), TextRule::line(3)).is_ok());
        assert!(matches!(optional_text(Some("éééé"), TextRule::line(3)), Err(DomainError::TooLong { len: 4, max: 3 })));
    }
}

/// The text rules of every free-text field the POS sends.
pub mod rules {
    use super::TextRule;

    /// Customer and product names.
    pub const NAME: TextRule = TextRule::line(200);
    /// Phone numbers, as typed.
    pub const PHONE: TextRule = TextRule::line(32);
    /// E-mail addresses (RFC 5321's limit).
    pub const EMAIL: TextRule = TextRule::line(254);
    /// Postal addresses.
    pub const ADDRESS: TextRule = TextRule::multiline(500);
    /// Free-text notes.
    pub const NOTES: TextRule = TextRule::multiline(2000);
    /// Store, till and payment method codes.
    pub const CODE: TextRule = TextRule::line(64);
    /// Product categories.
    pub const CATEGORY: TextRule = TextRule::line(100);
}

/// An optional e-mail address: blank is `None`; otherwise it must read `name@domain`
/// without spaces. Deliberately loose: POS data is typed by hand at a till.
///
/// ```
/// use crm_domain::optional_email;
/// assert_eq!(optional_email(Some("john@example.com")).unwrap().as_deref(), Some("john@example.com"));
/// assert!(optional_email(Some("john at example")).is_err());
/// ```
pub fn optional_email(text: Option<&str>) -> Result<Option<String>, DomainError> {
    let Some(email) = optional_text(text, rules::EMAIL)? else {
        return Ok(None);
    };
    let well_formed = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
        && !email.chars().any(char::is_whitespace);
    if well_formed { Ok(Some(email)) } else { Err(DomainError::BadEmail) }
}
