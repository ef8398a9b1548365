//! Every migration runs up, down and up again on a real database file.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod common;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

fn table_names(conn: &mut SqliteConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations' ORDER BY name",
    )
    .load::<Name>(conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect()
}

#[test]
fn every_migration_runs_up_down_and_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON;").unwrap();

    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    let after_up = table_names(&mut conn);
    assert!(after_up.contains(&"sales_daily".to_owned()), "{after_up:?}");

    conn.revert_all_migrations(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(table_names(&mut conn), Vec::<String>::new());

    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(table_names(&mut conn), after_up);
}

#[test]
fn opening_twice_applies_nothing_new_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.sqlite");
    {
        let db = crm_storage::Database::open(&path, Default::default()).unwrap();
        db.write(|c| crm_storage::ingest::sync_customers(c, &[common::customer(1, "John Doe")], chrono::Utc::now()))
            .unwrap();
    }
    let db = crm_storage::Database::open(&path, Default::default()).unwrap();
    let counts = db.read(crm_storage::table_counts).unwrap();
    assert_eq!(counts.customers, 1);
}
