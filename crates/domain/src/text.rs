//! Bounded free-text fields (names, phones, notes). POS data is messy: blank strings
//! mean "not given", surrounding whitespace is trimmed, and length is bounded so one bad
//! record cannot bloat the store.
//!
//! Text is stored in Unicode normalization form C, so `café` typed on one till (one code
//! point for `é`) and pasted on another (`e` and a combining accent) is one name, one tag,
//! one product. A text made only of invisible characters (zero-width spaces, a lone
//! byte-order mark) is blank. Bidirectional override and isolate controls are refused: they
//! make a text display as something other than what it holds. Zero-width joiners and
//! non-joiners stay: Hindi, Malayalam and Persian names need them.

use crate::DomainError;
use unicode_normalization::UnicodeNormalization;

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
        if text.chars().any(is_bidi_control) {
            return Err(DomainError::BidiControl);
        }
        Ok(())
    }
}

/// Whether `c` is a bidirectional embedding, override or isolate control (U+202A-U+202E,
/// U+2066-U+2069): the characters of "Trojan Source" text.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is a default-ignorable code point of the Basic Multilingual Plane (Unicode's
/// `Default_Ignorable_Code_Point`, DerivedCoreProperties.txt): a character that shows
/// nothing by itself, such as a zero-width space. The few of the supplementary planes (tag
/// characters, shorthand and musical format controls) count as ordinary characters, so the
/// rule can be written as a JSON Schema pattern that every regular expression dialect reads
/// alike (the API's spec says it so).
pub fn is_default_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
    )
}

/// What a text looks like once the marks that never mean anything at its edges are gone:
/// whitespace, zero-width spaces and byte-order marks (a file's BOM pasted into a field).
fn trim_edges(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}'))
}

/// Whether every character of `text` is invisible (whitespace or default-ignorable).
fn is_invisible(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_default_ignorable(c))
}

/// `text` in normalization form C (composed: `e` + U+0301 becomes `é`).
///
/// ```
/// assert_eq!(crm_domain::nfc("cafe\u{301}"), "café");
/// ```
pub fn nfc(text: &str) -> String {
    // Almost every text a till sends is already composed (ASCII always is): a quick check
    // spares it the decomposition and recomposition.
    if unicode_normalization::is_nfc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        return text.to_owned();
    }
    text.nfc().collect()
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
    let text = trim_edges(text);
    if is_invisible(text) {
        return Ok(None);
    }
    rule.check(text)?;
    Ok(Some(nfc(text)))
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
    fn composed_and_decomposed_text_are_one_text() {
        let composed = optional_text(Some("caf\u{e9}"), TextRule::line(10)).unwrap();
        let decomposed = optional_text(Some("cafe\u{301}"), TextRule::line(10)).unwrap();
        assert_eq!(composed.as_deref(), Some("caf\u{e9}"));
        assert_eq!(decomposed, composed);
    }

    #[test]
    fn a_text_of_invisible_characters_is_blank() {
        for invisible in ["\u{200b}", "\u{feff}", " \u{200b}\u{feff} ", "\u{200d}", "\u{2060}\u{ad}"] {
            assert_eq!(optional_text(Some(invisible), TextRule::line(10)), Ok(None), "{invisible:?}");
            assert_eq!(required_text(invisible, TextRule::line(10)), Err(DomainError::Empty), "{invisible:?}");
        }
        assert_eq!(required_text("\u{feff}John\u{200b}", TextRule::line(10)).as_deref(), Ok("John"));
    }

    #[test]
    fn bidi_overrides_and_isolates_are_refused() {
        for c in
            ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            let text = format!("abc{c}def");
            assert_eq!(optional_text(Some(&text), TextRule::multiline(20)), Err(DomainError::BidiControl), "{c:?}");
        }
    }

    #[test]
    fn joiners_stay_inside_names() {
        // Malayalam chillu with ZWJ, Hindi half forms with ZWNJ, Persian "mi-" prefix with ZWNJ.
        for name in [
            "\u{0d28}\u{0d4d}\u{200d}",
            "\u{0915}\u{094d}\u{200c}\u{0937}",
            "\u{0645}\u{06cc}\u{200c}\u{0631}\u{0648}\u{0645}",
        ] {
            assert_eq!(required_text(name, TextRule::line(20)).as_deref(), Ok(name), "{name:?}");
        }
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

/// The first characters that make a spreadsheet read a cell as a formula (or, for a tab
/// and a carriage return, hide one behind them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text for a CSV cell that a spreadsheet will show, not run: text starting like a formula
/// gets a leading apostrophe (OWASP's advice against CSV injection).
///
/// ```
/// use crm_domain::{spreadsheet_safe, spreadsheet_unguarded};
/// assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(spreadsheet_safe("Tea = good"), "Tea = good");
/// assert_eq!(spreadsheet_unguarded(&spreadsheet_safe("-2")), "-2");
/// assert_eq!(spreadsheet_unguarded("'tis"), "'tis");
/// ```
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) { format!("'{text}") } else { text.to_owned() }
}

/// The text [`spreadsheet_safe`] guarded, as it was: a leading apostrophe dropped when a
/// formula's first character follows it.
pub fn spreadsheet_unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}
