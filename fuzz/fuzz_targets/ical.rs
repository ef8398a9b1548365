//! The iCalendar import's reader (`POST /api/calendar/import`): any bytes a client sends,
//! read as the endpoint reads them (UTF-8 text, a window of three years). It must answer
//! with occurrences inside the window or a refusal, never panic, and never overflow its
//! stack (nesting) or run away (recurrence expansion).
#![no_main]

use chrono::NaiveDate;
use crm_domain::StoreZone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(2024, 1, 1), NaiveDate::from_ymd_opt(2026, 12, 31)) else {
        return;
    };
    if let Ok(occurrences) = crm_service::read_calendar_file(text, from, to, StoreZone::UTC) {
        assert!(occurrences.len() <= crm_service::MAX_IMPORT_OCCURRENCES);
        for o in &occurrences {
            assert!(from <= o.event.date && o.event.date <= to, "{o:?} outside {from}..{to}");
            assert!(o.event.date <= o.event.last_day(), "{o:?}");
        }
    }
});
