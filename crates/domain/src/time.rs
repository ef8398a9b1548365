//! Time: timestamps are RFC 3339 with an offset; the store's IANA time zone decides
//! which local day a sale belongs to.

use crate::DomainError;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::str::FromStr;

/// The store's time zone, from the IANA database (`Europe/London`, `Asia/Kolkata`, `UTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreZone(Tz);

impl StoreZone {
    /// UTC, the default.
    pub const UTC: Self = Self(Tz::UTC);

    /// Looks up an IANA zone name.
    ///
    /// ```
    /// use crm_domain::StoreZone;
    /// assert!(StoreZone::parse("America/Chicago").is_ok());
    /// assert!(StoreZone::parse("Mars/Olympus").is_err());
    /// ```
    pub fn parse(name: &str) -> Result<Self, DomainError> {
        Tz::from_str(name.trim()).map(Self).map_err(|_| DomainError::UnknownTimeZone(name.to_owned()))
    }

    /// The zone's IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The store-local calendar day of an instant.
    ///
    /// ```
    /// use chrono::{DateTime, NaiveDate};
    /// use crm_domain::StoreZone;
    /// let chicago = StoreZone::parse("America/Chicago").unwrap();
    /// let at = DateTime::parse_from_rfc3339("2025-09-28T04:30:00Z").unwrap().to_utc();
    /// assert_eq!(chicago.local_date(at), NaiveDate::from_ymd_opt(2025, 9, 27).unwrap());
    /// ```
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        self.0.from_utc_datetime(&at.naive_utc()).date_naive()
    }

    /// The store-local calendar day that contains `now`: "today" for the store.
    pub fn today(self, now: DateTime<Utc>) -> NaiveDate {
        self.local_date(now)
    }

    /// The instant a store-local wall-clock time names: the earlier of the two when the
    /// clocks went back over it, `None` when the clocks jumped over it.
    ///
    /// ```
    /// use chrono::NaiveDateTime;
    /// use crm_domain::StoreZone;
    /// let london = StoreZone::parse("Europe/London").unwrap();
    /// let at = |text| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    /// assert_eq!(london.instant(at("2011-06-01 10:00")).unwrap().to_rfc3339(), "2011-06-01T09:00:00+00:00");
    /// assert_eq!(london.instant(at("2011-10-30 01:30")).unwrap().to_rfc3339(), "2011-10-30T00:30:00+00:00");
    /// assert_eq!(london.instant(at("2011-03-27 01:30")), None);
    /// ```
    pub fn instant(self, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
        self.0.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc))
    }

    /// Noon of the store-local `day`, as an instant (noon exists on every day, whatever
    /// daylight saving does).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_domain::StoreZone;
    /// let kolkata = StoreZone::parse("Asia/Kolkata").unwrap();
    /// let noon = kolkata.noon(NaiveDate::from_ymd_opt(2025, 12, 24).unwrap());
    /// assert_eq!(noon.to_rfc3339(), "2025-12-24T06:30:00+00:00");
    /// assert_eq!(kolkata.today(noon), NaiveDate::from_ymd_opt(2025, 12, 24).unwrap());
    /// ```
    pub fn noon(self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_hms_opt(12, 0, 0).unwrap_or_default();
        self.0.from_local_datetime(&local).earliest().map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }
}

impl Default for StoreZone {
    fn default() -> Self {
        Self::UTC
    }
}

/// A day written exactly `YYYY-MM-DD` (RFC 3339's full-date, as JSON Schema's `date`
/// format means it): four-digit year, two-digit month and day, nothing around it. Years
/// outside 0000-9999 (`-262143-01-01`, `+10000-01-01`), which date arithmetic could carry
/// past the calendar's end, are not dates here.
///
/// ```
/// use chrono::NaiveDate;
/// assert_eq!(crm_domain::parse_day("2025-11-12"), Ok(NaiveDate::from_ymd_opt(2025, 11, 12).unwrap()));
/// assert!(crm_domain::parse_day("-262143-01-01").is_err());
/// assert!(crm_domain::parse_day("2025-1-12").is_err());
/// ```
pub fn parse_day(text: &str) -> Result<NaiveDate, DomainError> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| DomainError::BadDate(text.to_owned()))
}

/// The earliest sale time accepted: older data is almost surely a unit mix-up.
const EARLIEST: &str = "1990-01-01T00:00:00Z";

/// How far in the future a timestamp may be, to tolerate skewed POS clocks.
const FUTURE_SLACK_HOURS: i64 = 48;

/// Parses an RFC 3339 timestamp with an offset and checks it is between 1990 and
/// 48 hours after `now`.
///
/// ```
/// use chrono::Utc;
/// use crm_domain::parse_timestamp;
/// let at = parse_timestamp("2025-09-27T10:30:00+05:30", Utc::now()).unwrap();
/// assert_eq!(at.to_rfc3339(), "2025-09-27T05:00:00+00:00");
/// assert!(parse_timestamp("2025-09-27 10:30:00", Utc::now()).is_err());
/// ```
pub fn parse_timestamp(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, DomainError> {
    let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|_| DomainError::BadTimestamp)?.to_utc();
    let earliest = DateTime::parse_from_rfc3339(EARLIEST).map_err(|_| DomainError::BadTimestamp)?.to_utc();
    let latest = now + Duration::hours(FUTURE_SLACK_HOURS);
    if at < earliest || at > latest {
        return Err(DomainError::TimestampOutOfRange { min: earliest.to_rfc3339(), max: latest.to_rfc3339() });
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc()
    }

    #[test]
    fn a_sale_at_half_past_eleven_at_minus_five_belongs_to_that_local_day() {
        let at = parse_timestamp("2025-01-10T23:30:00-05:00", now()).unwrap();
        let new_york = StoreZone::parse("America/New_York").unwrap();
        assert_eq!(new_york.local_date(at), NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        assert_eq!(StoreZone::UTC.local_date(at), NaiveDate::from_ymd_opt(2025, 1, 11).unwrap());
    }

    #[test]
    fn the_store_zone_not_the_sender_offset_decides_the_day_across_dst() {
        // New York is on EDT (-04:00) from 2025-03-09, so 23:30-05:00 is 00:30 local next day.
        let at = parse_timestamp("2025-03-10T23:30:00-05:00", now()).unwrap();
        let new_york = StoreZone::parse("America/New_York").unwrap();
        assert_eq!(new_york.local_date(at), NaiveDate::from_ymd_opt(2025, 3, 11).unwrap());
    }

    #[test]
    fn timestamps_without_offset_or_far_in_the_future_are_refused() {
        assert_eq!(parse_timestamp("2025-09-27T10:30:00", now()), Err(DomainError::BadTimestamp));
        assert!(matches!(parse_timestamp("2026-01-04T00:00:00Z", now()), Err(DomainError::TimestampOutOfRange { .. })));
        assert!(matches!(parse_timestamp("1989-12-31T23:59:59Z", now()), Err(DomainError::TimestampOutOfRange { .. })));
    }
}
