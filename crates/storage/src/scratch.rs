//! Scratch PostgreSQL databases for tests and benchmarks: each one created empty on the
//! server that `CRM_TEST_POSTGRES` names (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! a role that may create databases) and dropped when its [`ScratchDatabase`] goes.
//!
//! A machine without that server still runs the SQLite half of every test: [`ScratchDatabase::create`]
//! answers `None` and says on standard error that the PostgreSQL half was skipped, unless
//! `CRM_REQUIRE_POSTGRES=1` (as in CI), when it fails instead.

use crate::Location;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};

/// The server scratch databases are made on, unless `CRM_TEST_POSTGRES` says otherwise.
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// An empty PostgreSQL database of its own, dropped (with any connection still open to it)
/// when this value goes.
#[derive(Debug)]
pub struct ScratchDatabase {
    server: String,
    name: String,
    location: Location,
}

impl ScratchDatabase {
    /// A new empty database, or `None` when no PostgreSQL server answers and none is
    /// required.
    ///
    /// # Panics
    ///
    /// When the server answers but refuses to create the database, or when none answers
    /// and `CRM_REQUIRE_POSTGRES=1`.
    #[expect(clippy::panic, reason = "a helper of tests: a panic is the failure report")]
    pub fn create(purpose: &str) -> Option<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server = std::env::var("CRM_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_SERVER.to_owned());
        let mut admin = match PgConnection::establish(&server) {
            Ok(admin) => admin,
            Err(error) if std::env::var("CRM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
                panic!("CRM_REQUIRE_POSTGRES=1 but PostgreSQL at {server} does not answer: {error}")
            }
            Err(error) => {
                eprintln!(
                    "PostgreSQL at {server} does not answer ({error}): the PostgreSQL half of {purpose} was skipped"
                );
                return None;
            }
        };
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("crm_scratch_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        if let Err(error) = admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")) {
            panic!("creating the scratch database {name} on {server}: {error}");
        }
        let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
        let location = Location::Postgres(format!("{base}/{name}"));
        Some(Self { server, name, location })
    }

    /// Where the database is, to open it with [`crate::Database::connect`].
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.server) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
