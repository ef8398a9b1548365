//! The CSV import (`crm-trends import`): any bytes as a file, read as customers, products,
//! sales or calendar events (the first byte picks the kind, the layout and the encoding; the
//! rest is the file), checked as a dry run against a store. It must end with a summary or one error, never
//! panic, and account for its rows: every rejected row reported, none twice, no more rows
//! rejected or skipped than read, nothing written.
#![no_main]

use crm_domain::StoreZone;
use crm_service::{
    AnalyticsConfig, CsvImport, ImportFormat, ImportKind, ImportWatcher, RejectedRow, Service, ServiceLimits,
    TextEncoding,
};
use crm_storage::{Database, DbOptions};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;

/// The rows reported rejected, and the last progress count.
#[derive(Default)]
struct Heard {
    rejected: HashSet<u64>,
    progress: u64,
}

impl ImportWatcher for Heard {
    fn progress(&mut self, rows: u64) {
        assert!(rows >= self.progress, "progress went back from {} to {rows}", self.progress);
        self.progress = rows;
    }

    fn rejected(&mut self, rejected: &RejectedRow) {
        assert!(rejected.row >= 2, "the header is row 1: {rejected:?}");
        assert!(rejected.line <= rejected.row + 1_000_000, "{rejected:?}");
        self.rejected.insert(rejected.row);
    }
}

thread_local! {
    static SERVICE: (tempfile::TempDir, Service) = {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).expect("open the store");
        let zone = StoreZone::parse("Europe/London").expect("a zone");
        let service = Service::new(Arc::new(db), zone, AnalyticsConfig::default(), ServiceLimits::default());
        (dir, service)
    };
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let kind =
        [ImportKind::Customers, ImportKind::Products, ImportKind::Sales, ImportKind::Calendar][usize::from(pick % 4)];
    let format = match (kind, pick & 4 != 0, pick & 16 != 0, pick & 32 != 0) {
        (ImportKind::Sales, true, _, _) => ImportFormat::OnlineRetail,
        (ImportKind::Sales, false, true, _) => ImportFormat::Shopify,
        (ImportKind::Sales, false, false, true) => ImportFormat::Square,
        _ => ImportFormat::Generic,
    };
    let encoding = if pick & 8 != 0 { TextEncoding::Windows1252 } else { TextEncoding::Utf8 };
    let Ok(layout) = format.layout(kind) else { return };
    let request = CsvImport { kind, layout, encoding, dry_run: true };
    let bytes = file.to_vec();
    let open = move || Ok(Box::new(std::io::Cursor::new(bytes.clone())) as Box<dyn Read>);
    let mut heard = Heard::default();
    SERVICE.with(|(_, service)| match service.import_csv(&open, &request, &mut heard) {
        Ok(summary) => {
            assert_eq!((summary.created, summary.updated, summary.unchanged), (0, 0, 0), "a dry run writes nothing");
            assert_eq!(heard.rejected.len() as u64, summary.rejected_rows, "{summary:?}");
            let skipped: u64 = summary.skipped.values().sum();
            assert!(summary.rejected_rows + skipped <= summary.rows, "{summary:?}");
            assert!(summary.records + summary.rejected_records <= summary.rows, "{summary:?}");
            assert_eq!(heard.progress, summary.rows);
            if kind != ImportKind::Sales {
                assert_eq!(summary.records + summary.rejected_records, summary.rows, "{summary:?}");
            }
        }
        Err(failure) => assert!(!failure.error.is_empty()),
    });
});
