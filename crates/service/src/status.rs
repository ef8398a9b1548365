//! What the store holds and when it was last synced and refreshed.

use crate::{Service, ServiceError};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use crm_domain::{AnalyticsRun, SyncKind, SyncStatus, TableCounts, WriteFault};

/// Data older than this may be stale: no sales synced, or no refresh, for a day.
pub const STALE_AFTER: TimeDelta = TimeDelta::hours(24);

/// Sync state per kind of record, and the last refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// Per kind: records, batches, high-water marks.
    pub sync: SyncStatus,
    /// The last analytics refresh.
    pub analytics: Option<AnalyticsRun>,
    /// Why the data may be stale, as sentences; empty when it is fresh.
    pub stale: Vec<String>,
}

/// Why data synced and refreshed as `sync` and `analytics` say may be stale at `now` (store
/// day `today`): no sales synced yet, none for [`STALE_AFTER`], or (with sales) no refresh
/// for as long, or none as of yesterday.
pub fn staleness(
    sync: &SyncStatus,
    analytics: Option<&AnalyticsRun>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Vec<String> {
    let sales = sync.kinds.iter().find(|k| k.kind == SyncKind::Sales);
    let mut reasons = Vec::new();
    match sales.and_then(|k| k.last_sync_at) {
        None => reasons.push("No sales have been synced yet.".to_owned()),
        Some(at) if now - at > STALE_AFTER => reasons.push(format!(
            "No sales synced in the last 24 hours (the last batch came at {}).",
            at.format("%Y-%m-%d %H:%M UTC")
        )),
        Some(_) => {}
    }
    if sales.is_some_and(|k| k.records > 0) {
        let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        match analytics {
            None => reasons.push("The analytics have not been refreshed yet.".to_owned()),
            Some(run) if now - run.finished_at > STALE_AFTER || run.as_of < yesterday => reasons.push(format!(
                "The analytics were last refreshed at {} (as of {}).",
                run.finished_at.format("%Y-%m-%d %H:%M UTC"),
                run.as_of
            )),
            Some(_) => {}
        }
    }
    reasons
}

impl Service {
    /// Sync state per kind of record, and the last refresh.
    pub fn sync_state(&self) -> Result<SyncState, ServiceError> {
        let now = self.now();
        let (sync, analytics) =
            self.db.read(|conn| Ok((crm_storage::sync_status(conn)?, crm_storage::last_analytics_run(conn)?)))?;
        let stale = staleness(&sync, analytics.as_ref(), now, self.zone.today(now));
        Ok(SyncState { sync, analytics, stale })
    }

    /// Why writes fail, while they fail for a reason only an operator can fix (a full disk,
    /// a read-only file): kept from the failing write until a write succeeds.
    pub fn write_fault(&self) -> Option<WriteFault> {
        self.db.write_fault()
    }

    /// Checks that the store answers, and counts its main tables.
    pub fn store_counts(&self) -> Result<TableCounts, ServiceError> {
        Ok(self.db.read(|conn| {
            crm_storage::ping(conn)?;
            crm_storage::table_counts(conn)
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::KindStatus;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn sales(last: Option<&str>, records: i64) -> SyncStatus {
        SyncStatus {
            kinds: vec![KindStatus {
                kind: SyncKind::Sales,
                records,
                batches: 1,
                last_sync_at: last.map(at),
                last_received: None,
                max_id: None,
                max_created_at: None,
            }],
        }
    }

    fn run(finished: &str, as_of: &str) -> AnalyticsRun {
        AnalyticsRun {
            started_at: at(finished),
            finished_at: at(finished),
            as_of: as_of.parse().unwrap_or_else(|e| panic!("{e}")),
            customers: 0,
            products: 0,
            pairs: 0,
        }
    }

    #[test]
    fn data_is_stale_after_a_day_without_sales_or_a_refresh() {
        let now = at("2025-12-02T12:00:00Z");
        let today = now.date_naive();
        let fresh = run("2025-12-02T11:00:00Z", "2025-12-02");
        assert_eq!(staleness(&SyncStatus { kinds: vec![] }, None, now, today), ["No sales have been synced yet."]);
        assert_eq!(staleness(&sales(Some("2025-12-01T12:00:00Z"), 5), Some(&fresh), now, today), Vec::<String>::new());
        assert_eq!(
            staleness(&sales(Some("2025-12-01T11:59:59Z"), 5), Some(&fresh), now, today),
            ["No sales synced in the last 24 hours (the last batch came at 2025-12-01 11:59 UTC)."]
        );
        assert_eq!(
            staleness(&sales(Some("2025-12-02T10:00:00Z"), 5), None, now, today),
            ["The analytics have not been refreshed yet."]
        );
        let old = run("2025-12-01T11:59:00Z", "2025-12-01");
        assert_eq!(
            staleness(&sales(Some("2025-12-02T10:00:00Z"), 5), Some(&old), now, today),
            ["The analytics were last refreshed at 2025-12-01 11:59 UTC (as of 2025-12-01)."]
        );
        let backdated = run("2025-12-02T11:00:00Z", "2025-11-30");
        assert_eq!(staleness(&sales(Some("2025-12-02T10:00:00Z"), 5), Some(&backdated), now, today).len(), 1);
        let yesterday = run("2025-12-02T01:00:00Z", "2025-12-01");
        assert!(staleness(&sales(Some("2025-12-02T10:00:00Z"), 5), Some(&yesterday), now, today).is_empty());
        assert!(
            staleness(&sales(Some("2025-12-02T10:00:00Z"), 0), None, now, today).is_empty(),
            "no sales stored: no refresh is due"
        );
    }
}
