//! A full store (its size cap reached, as a full disk would do): writes fail as
//! `StorageError::Full` and are remembered as the store's write fault, nothing half-written;
//! reads go on; once there is room again, writes succeed and the fault is gone.
#![allow(clippy::unwrap_used, reason = "test code: a panic is the failure report")]

mod common;

use common::{at, customer, sale};
use crm_storage::{Database, DbOptions, Query, StorageError, ingest, table_counts};

/// `count` sales from `first`, each its own customer, with a long customer name.
fn batch(first: i64, count: i64) -> (Vec<crm_domain::Customer>, Vec<crm_domain::Sale>) {
    let customers = (first..first + count).map(|id| customer(id, &"n".repeat(200))).collect();
    let sales = (first..first + count).map(|id| sale(id, Some(id), 1_250, "2025-09-27T10:30:00Z", vec![])).collect();
    (customers, sales)
}

fn write_batch(db: &Database, first: i64, count: i64) -> Result<(), StorageError> {
    let (customers, sales) = batch(first, count);
    let now = at("2025-09-28T00:00:00Z");
    db.write(|conn| {
        ingest::sync_customers(conn, &customers, now)?;
        ingest::sync_sales(conn, &sales, now)?;
        Ok(())
    })
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[test]
fn a_full_store_refuses_writes_whole_keeps_serving_reads_and_recovers_with_room() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.sqlite");
    let capped = DbOptions { max_bytes: Some(2 * 1024 * 1024), ..DbOptions::default() };
    let db = Database::open(&path, capped.clone()).unwrap();
    assert_eq!(db.write_fault(), None);

    // Batches of 500 until the cap refuses one.
    let mut stored = 0;
    let error = loop {
        match write_batch(&db, stored + 1, 500) {
            Ok(()) => stored += 500,
            Err(error) => break error,
        }
        assert!(stored < 100_000, "the cap never refused a write");
    };
    assert!(matches!(error, StorageError::Full(_)), "{error:?}");
    let fault = db.write_fault().unwrap();
    assert_eq!(
        fault.reason,
        "the database is full: its disk, or its size cap (CRM_MAX_DATABASE_MB), has no room left: database or disk \
         is full (499 of its 512 pages in use)"
    );
    // Nothing of the refused batch is there; everything before it is; reads work.
    let counts = db.read(table_counts).unwrap();
    assert_eq!((counts.customers, counts.sales), (stored, stored));
    // A failed write again keeps the first time it failed.
    assert!(matches!(write_batch(&db, stored + 1, 500), Err(StorageError::Full(_))));
    assert_eq!(db.write_fault().map(|f| f.since), Some(fault.since));
    // Room made on the same connection (as when disk space is freed): the next write lands.
    db.write(|conn| Ok(conn.batch_execute("PRAGMA max_page_count = 1000000;")?)).unwrap();
    assert_eq!(db.write_fault(), None, "a successful write clears the fault");
    write_batch(&db, stored + 1, 10).unwrap();
    assert_eq!(db.read(table_counts).unwrap().sales, stored + 10);
    stored += 10;
    drop(db);

    // Opened capped again, it opens (its data can be read), and the next batch finds no room.
    let reopened = Database::open(&path, capped).unwrap();
    assert_eq!(reopened.read(table_counts).unwrap().sales, stored);
    assert!(matches!(write_batch(&reopened, stored + 1, 500), Err(StorageError::Full(_))));
    assert!(reopened.write_fault().is_some());
    drop(reopened);

    // With room again, the next write lands and the fault is gone; the file is sound.
    let roomy = Database::open(&path, DbOptions::default()).unwrap();
    write_batch(&roomy, stored + 1, 500).unwrap();
    assert_eq!(roomy.write_fault(), None);
    assert_eq!(roomy.read(table_counts).unwrap().sales, stored + 500);
    let check: Vec<Check> = roomy.read(|conn| Ok(diesel::sql_query("PRAGMA integrity_check").load_in(conn)?)).unwrap();
    assert_eq!(check.iter().map(|c| c.integrity_check.as_str()).collect::<Vec<_>>(), ["ok"]);
}
