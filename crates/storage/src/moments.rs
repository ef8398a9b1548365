//! Days and times read from SQLite's text without a format parser: the store writes them as
//! `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS[.fraction]`, and a refresh reads millions of them.
//! chrono's format-driven parse (which diesel uses, trying up to 18 formats for a
//! timestamp) was about a tenth of a refresh's time (docs/performance.md, issue 23). Any
//! text in another shape goes through diesel's own conversion, so what is read is the same
//! either way. On PostgreSQL the values come as binary and diesel's conversion is used.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::Sqlite;

/// A day as the store holds it; read into a [`NaiveDate`] with `#[diesel(deserialize_as =
/// Day)]`.
pub(crate) struct Day(NaiveDate);

/// A moment (UTC, no offset) as the store holds it; read into a [`NaiveDateTime`] with
/// `#[diesel(deserialize_as = Moment)]`.
pub(crate) struct Moment(NaiveDateTime);

impl From<Day> for NaiveDate {
    fn from(day: Day) -> Self {
        day.0
    }
}

impl From<Moment> for NaiveDateTime {
    fn from(moment: Moment) -> Self {
        moment.0
    }
}

impl FromSql<Date, Sqlite> for Day {
    fn from_sql(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match parse_day(value.read_text().as_bytes()) {
            Some(day) => Ok(Self(day)),
            None => <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Self),
        }
    }
}

impl FromSql<Date, Pg> for Day {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Sqlite> for Moment {
    fn from_sql(mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match parse_moment(value.read_text().as_bytes()) {
            Some(moment) => Ok(Self(moment)),
            None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self),
        }
    }
}

impl FromSql<Timestamp, Pg> for Moment {
    fn from_sql(value: <Pg as diesel::backend::Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

/// The number the ASCII digits `bytes` spell, or `None` if any is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD` exactly, or `None`.
fn parse_day(text: &[u8]) -> Option<NaiveDate> {
    match text {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => {
            let year = i32::try_from(digits(y)?).ok()?;
            NaiveDate::from_ymd_opt(year, digits(&[*m1, *m2])?, digits(&[*d1, *d2])?)
        }
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM:SS`, with an optional `.` and 1 to 9 digits of fraction, exactly; or
/// `None`.
fn parse_moment(text: &[u8]) -> Option<NaiveDateTime> {
    if text.len() < 19 {
        return None;
    }
    let (day, rest) = text.split_at(10);
    let [b' ', h1, h2, b':', m1, m2, b':', s1, s2, fraction @ ..] = rest else { return None };
    let nanos = match fraction {
        [] => 0,
        [b'.', figures @ ..] if (1..=9).contains(&figures.len()) => {
            digits(figures)? * 10u32.pow(9 - u32::try_from(figures.len()).ok()?)
        }
        _ => return None,
    };
    parse_day(day)?.and_hms_nano_opt(digits(&[*h1, *h2])?, digits(&[*m1, *m2])?, digits(&[*s1, *s2])?, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What diesel's own conversion (chrono's format parser) reads from `text`.
    fn by_format(text: &str) -> Option<NaiveDateTime> {
        ["%F %T%.f", "%F %T"].iter().find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    }

    #[test]
    fn the_store_s_shapes_are_read_exactly() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_day(b"2025-12-31"), Some(day(2025, 12, 31)));
        assert_eq!(parse_day(b"0001-01-01"), Some(day(1, 1, 1)));
        assert_eq!(parse_day(b"2024-02-29"), Some(day(2024, 2, 29)));
        let at = |h, m, s, n| day(2025, 6, 1).and_hms_nano_opt(h, m, s, n).unwrap();
        assert_eq!(parse_moment(b"2025-06-01 10:04:05"), Some(at(10, 4, 5, 0)));
        assert_eq!(parse_moment(b"2025-06-01 10:04:05.5"), Some(at(10, 4, 5, 500_000_000)));
        assert_eq!(parse_moment(b"2025-06-01 10:04:05.123"), Some(at(10, 4, 5, 123_000_000)));
        assert_eq!(parse_moment(b"2025-06-01 23:59:59.000001"), Some(at(23, 59, 59, 1_000)));
        assert_eq!(parse_moment(b"2025-06-01 00:00:00.123456789"), Some(at(0, 0, 0, 123_456_789)));
    }

    #[test]
    fn any_other_shape_is_left_to_the_format_parser() {
        for text in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "20250101",
            "+2025-01-01",
            "2025-01-01 ",
            "2025/01/01",
            "",
            "２０２５-01-01",
            "2025-01-0a",
        ] {
            assert_eq!(parse_day(text.as_bytes()), None, "{text:?}");
        }
        for text in [
            "2025-06-01T10:04:05",
            "2025-06-01 10:04",
            "2025-06-01 10:04:05Z",
            "2025-06-01 10:04:05+02:00",
            "2025-06-01 10:04:05.",
            "2025-06-01 10:04:05.1234567890",
            "2025-06-01 24:00:00",
            "2025-06-01 10:60:00",
            "2025-06-01 10:04:61",
            "2025-06-01 10:04:05.-1",
            "2025-02-30 10:04:05",
            "2457000.5",
        ] {
            assert_eq!(parse_moment(text.as_bytes()), None, "{text:?}");
        }
    }

    proptest! {
        /// Whatever the store writes (diesel's `%F %T%.f`) reads back as chrono's parser
        /// reads it.
        #[test]
        fn what_the_store_writes_reads_back(days in 0i64..3_000_000, secs in 0u32..86_400, nanos in 0u32..1_000_000_000, digits in 0usize..4) {
            let nanos = [0, nanos / 1_000_000 * 1_000_000, nanos / 1_000 * 1_000, nanos][digits];
            let day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(u64::try_from(days).unwrap());
            let moment = day.and_hms_nano_opt(secs / 3600, secs / 60 % 60, secs % 60, nanos).unwrap();
            // Days up to the year 8214: four digits, as the store's are.
            let text = moment.format("%F %T%.f").to_string();
            prop_assert_eq!(parse_moment(text.as_bytes()), Some(moment));
            prop_assert_eq!(by_format(&text), Some(moment));
            prop_assert_eq!(parse_day(day.format("%F").to_string().as_bytes()), Some(day));
        }

        /// Any text: read either as the format parser reads it, or left to it.
        #[test]
        fn no_text_is_read_otherwise_than_the_format_parser_reads_it(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?)?|[0-9 :.T+-]{0,32}"
        ) {
            if let Some(moment) = parse_moment(text.as_bytes()) {
                prop_assert_eq!(by_format(&text), Some(moment));
            }
            if let Some(day) = parse_day(text.as_bytes()) {
                prop_assert_eq!(NaiveDate::parse_from_str(&text, "%F").ok(), Some(day));
            }
        }
    }
}
