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

/// The columns of `table` in the database, in order.
fn column_names(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

#[test]
fn reverting_the_event_lead_days_drops_the_column_and_keeps_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    conn.batch_execute(
        "INSERT INTO calendar_events (event_type, name, date, impact_level, expected_demand_multiplier,
             created_at, updated_at, lead_days)
             VALUES ('festival', 'Diwali', '2025-11-12', 'high', 1.5, '2025-11-01 00:00:00',
             '2025-11-01 00:00:00', 14);",
    )
    .unwrap();
    let columns = column_names(&mut conn, "calendar_events");
    assert_eq!(columns[columns.len() - 4..], ["lead_days", "uid", "source_date", "imported_at"]);

    // The erasure's column, the customer value's columns, the shared cards' columns, the
    // replicas' tables, the prepared cards, the reorder migration and the import's columns
    // came after; they go first.
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261206000010", "the last migration is the erasure's and the id map's");
    assert!(!column_names(&mut conn, "customers").contains(&"erased_at".to_owned()));
    assert!(!table_names(&mut conn).contains(&"source_ids".to_owned()), "the id map went with it");
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261206000009", "then the customer value's");
    let analytics = column_names(&mut conn, "customer_analytics");
    for column in ["purchase_days", "p_alive", "expected_purchases", "expected_value_cents"] {
        assert!(!analytics.contains(&column.to_owned()), "{column} stayed");
    }
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261206000008", "then the shared cards'");
    assert!(!column_names(&mut conn, "card_generations").contains(&"labels".to_owned()));
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261206000007", "then the replicas'");
    let tables = table_names(&mut conn);
    for table in ["crm_changes", "crm_refresh_lease", "card_generations"] {
        assert!(!tables.contains(&table.to_owned()), "{table} stayed");
    }
    assert!(!column_names(&mut conn, "analytics_runs").contains(&"replica".to_owned()));
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261205000006", "then the prepared cards'");
    assert!(!table_names(&mut conn).contains(&"prepared_cards".to_owned()));
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261202000005", "then the reorder one");
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261201000004", "then the event import's");
    assert_eq!(column_names(&mut conn, "calendar_events").last().map(String::as_str), Some("lead_days"));
    let reverted = conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap();
    assert_eq!(reverted.to_string(), "20261201000003", "then the event lead days'");
    assert!(!column_names(&mut conn, "calendar_events").contains(&"lead_days".to_owned()));
    let events: i64 = crm_storage::schema::calendar_events::table.count().get_result(&mut conn).unwrap();
    assert_eq!(events, 1, "the event outlives its lead days");

    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    let columns = column_names(&mut conn, "calendar_events");
    assert_eq!(columns[columns.len() - 4..], ["lead_days", "uid", "source_date", "imported_at"]);
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

/// The tables and columns `schema.rs` declares to diesel, read from its source: each
/// `diesel::table!` block's name and its `column -> Type` lines.
fn declared_tables() -> Vec<(String, Vec<(String, String)>)> {
    let source = include_str!("../src/schema.rs");
    let mut tables = Vec::new();
    for block in source.split("diesel::table! {").skip(1) {
        let header = block.trim_start();
        let name = header.split([' ', '(']).next().unwrap().to_owned();
        let body = &header[header.find('{').unwrap() + 1..header.find('}').unwrap()];
        let columns = body
            .lines()
            .filter_map(|line| line.trim().trim_end_matches(',').split_once(" -> "))
            .map(|(column, sql_type)| (column.trim().to_owned(), sql_type.trim().to_owned()))
            .collect();
        tables.push((name, columns));
    }
    tables
}

/// A column as the migrated database declares it.
#[derive(QueryableByName, Debug)]
struct ColumnInfo {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text, column_name = type_)]
    declared: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    notnull: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pk: i32,
}

/// Whether a column declared `declared` in SQL holds what diesel's `sql_type` reads.
fn compatible(sql_type: &str, declared: &str) -> bool {
    let declared = declared.to_ascii_uppercase();
    match sql_type {
        "BigInt" | "Integer" | "SmallInt" => declared.contains("INT"),
        "Bool" => declared == "BOOLEAN" || declared == "INTEGER",
        "Text" => declared == "TEXT",
        "Double" | "Float" => ["DOUBLE", "REAL", "FLOAT"].contains(&declared.as_str()),
        "Date" => declared == "DATE" || declared == "TEXT",
        "Timestamp" => declared == "TIMESTAMP" || declared == "TEXT",
        "Binary" => declared == "BLOB",
        _ => false,
    }
}

#[test]
fn schema_rs_matches_the_migrated_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();

    let declared = declared_tables();
    let mut names: Vec<String> = declared.iter().map(|(name, _)| name.clone()).collect();
    names.sort();
    assert_eq!(names, table_names(&mut conn), "the tables of schema.rs and of the migrations");
    let mut problems = Vec::new();
    for (table, columns) in &declared {
        let actual =
            diesel::sql_query(format!("SELECT name, type AS type_, \"notnull\", pk FROM pragma_table_info('{table}')"))
                .load::<ColumnInfo>(&mut conn)
                .unwrap();
        if actual.is_empty() {
            problems.push(format!("table {table} is not in the migrated database"));
            continue;
        }
        for (column, sql_type) in columns {
            let Some(info) = actual.iter().find(|c| c.name == *column) else {
                problems.push(format!("{table}.{column} is not in the migrated database"));
                continue;
            };
            let (nullable, inner) = match sql_type.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => (true, inner),
                None => (false, sql_type.as_str()),
            };
            if !compatible(inner, &info.declared) {
                problems
                    .push(format!("{table}.{column}: diesel reads {inner}, the database declares {}", info.declared));
            }
            // A primary key never holds NULL, whatever PRAGMA says of rowid aliases.
            let not_null = info.notnull == 1 || info.pk > 0;
            if nullable == not_null {
                problems.push(format!(
                    "{table}.{column}: diesel says nullable={nullable}, the database NOT NULL={not_null}"
                ));
            }
        }
        for info in &actual {
            if !columns.iter().any(|(c, _)| *c == info.name) {
                problems.push(format!("{table}.{} is in the database but not in schema.rs", info.name));
            }
        }
    }
    assert!(problems.is_empty(), "schema.rs and the migrations disagree:\n{}", problems.join("\n"));
}

#[test]
fn a_snapshot_sees_one_state_of_the_database_while_writes_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = crm_storage::Database::open(dir.path().join("crm.sqlite"), Default::default()).unwrap();
    let add = |id: i64| {
        db.write(|c| crm_storage::ingest::sync_customers(c, &[common::customer(id, "Someone")], chrono::Utc::now()))
            .unwrap();
    };
    add(1);
    let seen = db
        .snapshot(|snap| {
            let before = crm_storage::table_counts(snap)?.customers;
            add(2);
            let after = crm_storage::table_counts(snap)?.customers;
            Ok((before, after))
        })
        .unwrap();
    assert_eq!(seen, (1, 1), "a write committed meanwhile is not seen inside the snapshot");
    assert_eq!(db.read(crm_storage::table_counts).unwrap().customers, 2);
    let refused = db.snapshot(|snap| Ok(snap.batch_execute("DELETE FROM customers")));
    assert!(refused.unwrap().is_err(), "a snapshot cannot write");
}

#[test]
fn a_stored_label_this_version_does_not_know_is_an_error_not_a_default() {
    let (_dir, db) = common::fresh_db();
    let insert = |segment: &str, rfm_segment: &str| {
        let sql = format!(
            "INSERT INTO customer_analytics (customer_id, segment, lapsed, rfm_segment, visits, total_spent_cents)
                 VALUES (1, '{segment}', 0, '{rfm_segment}', 0, 0);"
        );
        db.write(|c| Ok(c.batch_execute(&sql)?))
    };
    db.write(|c| {
        Ok(c.batch_execute(
            "INSERT INTO customers (id, name, placeholder, first_seen_at, updated_at)
                 VALUES (1, 'Ann', 0, '2025-01-01 00:00:00', '2025-01-01 00:00:00');",
        )?)
    })
    .unwrap();
    // The schema refuses an unknown seed segment outright: a typed constraint error.
    let refused = insert("gold", "Champions").unwrap_err();
    assert!(matches!(refused, crm_storage::StorageError::Constraint(_)), "{refused:?}");
    // RFM names have no CHECK: one this version does not know is refused when read back.
    insert("vip", "Gold Members").unwrap();
    let error =
        db.read(|c| crm_storage::reads::customer_profile(c, crm_domain::CustomerId::try_from(1).unwrap())).unwrap_err();
    assert_eq!(error.to_string(), "column rfm_segment holds \"Gold Members\", which this version does not know");
}

#[test]
fn the_reorder_migration_starts_the_stock_record_from_the_levels_known_and_reverts_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    // Back to just before the reorder migration: the erasure's, the customer value's, the
    // prepared cards' and the replicas' came after it.
    for expected in
        ["20261206000010", "20261206000009", "20261206000008", "20261206000007", "20261205000006", "20261202000005"]
    {
        assert_eq!(conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap().to_string(), expected);
    }
    conn.batch_execute(
        "INSERT INTO products (id, name, stock_on_hand, placeholder, updated_at) VALUES
             ('A', 'Tea', 0, FALSE, '2025-11-03 18:00:00'),
             ('B', 'Cups', NULL, FALSE, '2025-11-03 18:00:00'),
             ('C', 'Seen on a line', 5, TRUE, '2025-11-03 18:00:00'),
             ('D', 'Jam', 12, FALSE, '2025-11-04 09:30:00');",
    )
    .unwrap();
    conn.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    let columns = column_names(&mut conn, "products");
    assert_eq!(columns[columns.len() - 3..], ["pack_size", "min_order_quantity", "discontinued"]);
    let mut store = crm_storage::Conn::Sqlite(conn);
    let catalogue = crm_storage::catalogue(&mut store).unwrap();
    assert_eq!(catalogue.iter().filter(|p| p.discontinued).count(), 0, "no product starts discontinued");
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    let outs = crm_storage::stock_outs(&mut store, day("2025-11-01"), day("2025-11-10"), None).unwrap();
    let crm_storage::Conn::Sqlite(mut conn) = store else { unreachable!("opened as SQLite") };
    assert_eq!(
        outs,
        [crm_storage::StockOut { product_id: "A".into(), first: day("2025-11-03"), until: None }],
        "A's level of 0 starts the record; the unknown, the placeholder's and D's positive level are no stock-out"
    );
    let snapshots: i64 = crm_storage::schema::stock_snapshots::table.count().get_result(&mut conn).unwrap();
    assert_eq!(snapshots, 2, "A and D");

    for expected in
        ["20261206000010", "20261206000009", "20261206000008", "20261206000007", "20261205000006", "20261202000005"]
    {
        assert_eq!(conn.revert_last_migration(crm_storage::MIGRATIONS).unwrap().to_string(), expected);
    }
    assert!(!table_names(&mut conn).contains(&"stock_snapshots".to_owned()));
    assert_eq!(column_names(&mut conn, "products").last().map(String::as_str), Some("updated_at"));
    let products: i64 = crm_storage::schema::products::table.count().get_result(&mut conn).unwrap();
    assert_eq!(products, 4, "the catalogue outlives the reorder columns");
}

/// Tables and their columns, in order, as the database describes them.
fn postgres_schema(conn: &mut PgConnection) -> Vec<(String, Vec<String>)> {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        column_name: String,
    }
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT IN ('__diesel_schema_migrations', 'crm_write_lock') \
         ORDER BY table_name, ordinal_position",
    )
    .load(conn)
    .unwrap();
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for c in columns {
        match tables.last_mut() {
            Some((name, cols)) if *name == c.table_name => cols.push(c.column_name),
            _ => tables.push((c.table_name, vec![c.column_name])),
        }
    }
    tables
}

/// The versions of an engine's migrations, in order.
fn versions<DB: diesel::backend::Backend>(source: &dyn diesel::migration::MigrationSource<DB>) -> Vec<String> {
    source.migrations().unwrap().iter().map(|m| m.name().version().to_string()).collect()
}

#[test]
fn the_postgres_migrations_run_up_down_and_up_again_and_give_the_sqlite_tables_and_columns() {
    let Some(scratch) = crm_storage::scratch::ScratchDatabase::create("the PostgreSQL migrations test") else {
        return;
    };
    let crm_storage::Location::Postgres(url) = scratch.location() else { unreachable!("a PostgreSQL scratch") };
    let mut pg = PgConnection::establish(url).unwrap();
    pg.run_pending_migrations(crm_storage::POSTGRES_MIGRATIONS).unwrap();
    let after_up = postgres_schema(&mut pg);
    pg.revert_all_migrations(crm_storage::POSTGRES_MIGRATIONS).unwrap();
    assert_eq!(postgres_schema(&mut pg), Vec::new());
    pg.run_pending_migrations(crm_storage::POSTGRES_MIGRATIONS).unwrap();
    assert_eq!(postgres_schema(&mut pg), after_up);

    // The same versions on both engines, and the same tables with the same columns.
    let sqlite_versions = versions::<diesel::sqlite::Sqlite>(&crm_storage::MIGRATIONS);
    let pg_versions = versions::<diesel::pg::Pg>(&crm_storage::POSTGRES_MIGRATIONS);
    assert_eq!(pg_versions, sqlite_versions);
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = SqliteConnection::establish(dir.path().join("m.sqlite").to_str().unwrap()).unwrap();
    sqlite.run_pending_migrations(crm_storage::MIGRATIONS).unwrap();
    let sqlite_schema: Vec<(String, Vec<String>)> =
        table_names(&mut sqlite).into_iter().map(|t| (t.clone(), column_names(&mut sqlite, &t))).collect();
    assert_eq!(after_up, sqlite_schema);
}

#[test]
fn a_store_migrated_by_a_newer_version_is_refused_with_the_migration_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.sqlite");
    drop(crm_storage::Database::open(&path, Default::default()).unwrap());
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001');").unwrap();
    drop(conn);
    let refused = crm_storage::Database::open(&path, Default::default()).unwrap_err();
    assert!(
        matches!(&refused, crm_storage::StorageError::NewerSchema { version } if version == "29991231000001"),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("a newer version migrated it"), "{refused}");
}
