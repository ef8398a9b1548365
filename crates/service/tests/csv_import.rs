//! The CSV import as a CLI command runs it (no HTTP, a store in a temporary directory), on
//! inputs the fuzzer found.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use crm_domain::StoreZone;
use crm_service::{
    AnalyticsConfig, CsvImport, ImportFormat, ImportKind, ImportWatcher, RejectedRow, Service, ServiceLimits,
    TextEncoding,
};
use crm_storage::{Database, DbOptions};
use std::io::Read;
use std::sync::Arc;

#[derive(Default)]
struct Heard(Vec<(u64, String, String)>);

impl ImportWatcher for Heard {
    fn progress(&mut self, _rows: u64) {}
    fn rejected(&mut self, rejected: &RejectedRow) {
        self.0.push((rejected.row, rejected.field.clone(), rejected.message.clone()));
    }
}

#[test]
fn lines_whose_total_passes_any_amount_reject_their_sale_instead_of_overflowing() {
    // Online Retail has no total column: a sale's total is the sum of its lines. Two lines
    // of 10^15 units at 10^7 each (each line's total already past what a cent count holds)
    // once overflowed that sum and aborted the import.
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    let service = Service::new(Arc::new(db), StoreZone::UTC, AnalyticsConfig::default(), ServiceLimits::default());
    let file = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
                1,A,Big,1000000000000000,2010-12-01 08:34:00,10000000,13047,UK\n\
                1,B,Bigger,1000000000000000,2010-12-01 08:34:00,10000000,13047,UK\n\
                2,A,Small,3,2010-12-01 09:00:00,5.95,13047,UK\n";
    let open = || -> std::io::Result<Box<dyn Read>> { Ok(Box::new(file.as_bytes())) };
    let layout = ImportFormat::OnlineRetail.layout(ImportKind::Sales).unwrap();
    let request = CsvImport { kind: ImportKind::Sales, layout, encoding: TextEncoding::Utf8, dry_run: false };
    let mut heard = Heard::default();
    let summary = service.import_csv(&open, &request, &mut heard).unwrap();
    assert_eq!((summary.records, summary.created, summary.rejected_records), (1, 1, 1), "{summary:?}");
    let fields: Vec<(u64, &str)> = heard.0.iter().map(|(row, field, _)| (*row, field.as_str())).collect();
    assert_eq!(fields, [(2, "total_amount"), (2, "Quantity"), (3, "Quantity")], "{:?}", heard.0);
    assert!(heard.0[0].2.starts_with("must be between 0 and 10000000000, got "), "{:?}", heard.0);
}
