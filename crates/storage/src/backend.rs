//! The two database engines behind one connection type: the embedded SQLite file (the
//! default, one process) and PostgreSQL (a chain's shared server, several replicas).
//!
//! Every query is written once with diesel's DSL (or portable SQL) and compiled for both
//! engines: [`Query`] runs a query on whichever engine a [`Conn`] holds, and
//! [`on_backend!`](crate::on_backend) runs a block (a streamed load) on either. What only
//! one engine has (SQLite's pragmas, PostgreSQL's locks) is matched on [`Conn`] directly.

use diesel::connection::{Connection, SimpleConnection};
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl};
use diesel::query_dsl::{LoadQuery, RunQueryDsl};
use diesel::{PgConnection, QueryResult, SqliteConnection};
use std::fmt;

/// A connection to the store, on either engine. Repository functions take `&mut Conn`.
pub enum Conn {
    /// The embedded SQLite file.
    Sqlite(SqliteConnection),
    /// A PostgreSQL server.
    Postgres(PgConnection),
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "Conn::Sqlite",
            Self::Postgres(_) => "Conn::Postgres",
        })
    }
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The name `/api/health` reports: `sqlite` or `postgresql`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        }
    }
}

impl Conn {
    /// The engine this connection is to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs SQL statements without results, on either engine.
    pub fn batch_execute(&mut self, sql: &str) -> QueryResult<()> {
        match self {
            Self::Sqlite(c) => c.batch_execute(sql),
            Self::Postgres(c) => c.batch_execute(sql),
        }
    }

    /// An inner join that keeps the tables in the order written: SQLite's `CROSS JOIN`
    /// (which also fixes its join order, so the left table stays the outer loop and its
    /// rows come in their clustered order, needing no sort); PostgreSQL has no such hint
    /// and writes `JOIN` (its planner picks the order).
    pub fn ordered_join(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "CROSS JOIN",
            Self::Postgres(_) => "JOIN",
        }
    }

    /// What follows a table's name in `FROM` to read it in the order it is stored (its
    /// rowid, which is the order its rows were written): SQLite's `NOT INDEXED`, so that a
    /// condition on an indexed column does not turn a sequential scan into an index walk
    /// with a random read per row; PostgreSQL has no such hint (its planner picks).
    pub fn in_stored_order(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => " NOT INDEXED",
            Self::Postgres(_) => "",
        }
    }

    /// SQL text written with `?` placeholders, as this engine takes it: PostgreSQL numbers
    /// them (`$1`, `$2`...). The text must have no `?` other than placeholders.
    pub fn sql(&self, text: &str) -> String {
        match self {
            Self::Sqlite(_) => text.to_owned(),
            Self::Postgres(_) => numbered_placeholders(text),
        }
    }
}

/// `?` placeholders numbered for PostgreSQL: `a = ? AND b = ?` -> `a = $1 AND b = $2`.
fn numbered_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut n = 0;
    for ch in text.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Runs `$body` with `$c` bound to the engine's own connection (`&mut SqliteConnection` or
/// `&mut PgConnection`): the body is compiled once per engine.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite($c) => $body,
            $crate::Conn::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` for each row `$row` of `$query`, streamed: on SQLite one row at a time as
/// the statement steps; on PostgreSQL in single-row mode (its default would first load the
/// whole result into memory). `$query` is built once per engine; `$body` may use `?`.
#[macro_export]
macro_rules! for_each_row {
    ($conn:expr, $query:expr, $ty:ty, |$row:ident| $body:expr) => {
        match $conn {
            $crate::Conn::Sqlite(c) => {
                for $row in $query
                    .load_iter::<$ty, diesel::connection::DefaultLoadingMode>(c)
                    .map_err($crate::StorageError::from)?
                {
                    $body
                }
            }
            $crate::Conn::Postgres(c) => {
                for $row in
                    $query.load_iter::<$ty, diesel::pg::PgRowByRowLoadingMode>(c).map_err($crate::StorageError::from)?
                {
                    $body
                }
            }
        }
    };
}

/// Diesel's ways to run a query, on either engine of a [`Conn`]: the query must be valid
/// on both, which the compiler checks.
pub trait Query: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection> + Sized {
    /// [`RunQueryDsl::load`].
    fn load_in<'q, U>(self, conn: &mut Conn) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            Conn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::load(self, c),
            Conn::Postgres(c) => RunQueryDsl::<PgConnection>::load(self, c),
        }
    }

    /// [`RunQueryDsl::get_result`].
    fn get_result_in<'q, U>(self, conn: &mut Conn) -> QueryResult<U>
    where
        Self: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            Conn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::get_result(self, c),
            Conn::Postgres(c) => RunQueryDsl::<PgConnection>::get_result(self, c),
        }
    }

    /// [`RunQueryDsl::first`].
    fn first_in<'q, U>(self, conn: &mut Conn) -> QueryResult<U>
    where
        Self: LimitDsl,
        diesel::dsl::Limit<Self>: LoadQuery<'q, SqliteConnection, U> + LoadQuery<'q, PgConnection, U>,
    {
        match conn {
            Conn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::first(self, c),
            Conn::Postgres(c) => RunQueryDsl::<PgConnection>::first(self, c),
        }
    }

    /// [`RunQueryDsl::execute`].
    fn execute_in(self, conn: &mut Conn) -> QueryResult<usize>
    where
        Self: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
    {
        match conn {
            Conn::Sqlite(c) => RunQueryDsl::<SqliteConnection>::execute(self, c),
            Conn::Postgres(c) => RunQueryDsl::<PgConnection>::execute(self, c),
        }
    }
}

impl<T: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection>> Query for T {}

/// The columns a row type `T` reads, for a query run on either engine: diesel's
/// `crate::backend::columns::<T>()` ties the query to one engine, the columns alone do not (`T` derives
/// `Queryable` in the same field order, for both).
pub(crate) fn columns<T: diesel::Selectable<diesel::sqlite::Sqlite>>()
-> <T as diesel::Selectable<diesel::sqlite::Sqlite>>::SelectExpression {
    <T as diesel::Selectable<diesel::sqlite::Sqlite>>::construct_selection()
}

/// Where the store is, from `DATABASE_URL`: a file path or `sqlite://` URL for SQLite, a
/// `postgres://` or `postgresql://` URL for PostgreSQL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The SQLite file.
    Sqlite(std::path::PathBuf),
    /// The PostgreSQL connection URL.
    Postgres(String),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// The location as an operator may see it: a PostgreSQL URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// A `DATABASE_URL` this version cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "DATABASE_URL has the scheme {scheme:?}, which crm-trends does not support: give a SQLite file path \
     (or sqlite://PATH) or a postgres://USER@HOST:PORT/DATABASE URL"
)]
pub struct UnsupportedUrl {
    /// The scheme given.
    pub scheme: String,
}

impl Location {
    /// Reads a `DATABASE_URL`. Anything with a URL scheme other than `sqlite`, `postgres`
    /// and `postgresql` is refused (a path is taken as a SQLite file; a Windows drive
    /// letter is not a scheme).
    pub fn parse(url: &str) -> Result<Self, UnsupportedUrl> {
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            return Ok(Self::Sqlite(rest.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        match url.split_once(':') {
            Some((scheme, _))
                if scheme.len() > 1
                    && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
            {
                Err(UnsupportedUrl { scheme: scheme.to_owned() })
            }
            _ => Ok(Self::Sqlite(url.into())),
        }
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens a new connection (no pragmas, no migrations).
    pub(crate) fn establish(&self) -> Result<Conn, diesel::ConnectionError> {
        Ok(match self {
            Self::Sqlite(path) => Conn::Sqlite(SqliteConnection::establish(&path.to_string_lossy())?),
            Self::Postgres(url) => Conn::Postgres(PgConnection::establish(url)?),
        })
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn a_database_url_names_its_engine_and_an_unknown_scheme_is_refused() {
        assert_eq!(Location::parse("db/crm.sqlite").unwrap(), Location::Sqlite("db/crm.sqlite".into()));
        assert_eq!(Location::parse("sqlite://data/x.sqlite").unwrap(), Location::Sqlite("data/x.sqlite".into()));
        assert_eq!(Location::parse("sqlite:x.sqlite").unwrap(), Location::Sqlite("x.sqlite".into()));
        assert_eq!(Location::parse("C:\\shop\\crm.sqlite").unwrap(), Location::Sqlite("C:\\shop\\crm.sqlite".into()));
        assert_eq!(
            Location::parse("postgres://root@127.0.0.1:5432/test").unwrap(),
            Location::Postgres("postgres://root@127.0.0.1:5432/test".into())
        );
        assert_eq!(Location::parse("postgresql://h/db").unwrap().backend(), Backend::Postgres);
        let refused = Location::parse("mysql://root@localhost/crm").unwrap_err();
        assert_eq!(refused.scheme, "mysql");
        assert!(refused.to_string().contains("\"mysql\""), "{refused}");
    }

    #[test]
    fn a_postgres_url_is_shown_without_its_password() {
        let location = Location::parse("postgres://shop:s3cret@db.example:5432/crm").unwrap();
        assert_eq!(location.to_string(), "postgres://shop:***@db.example:5432/crm");
        assert_eq!(Location::parse("postgres://shop@db/crm").unwrap().to_string(), "postgres://shop@db/crm");
    }

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(numbered_placeholders("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
        assert_eq!(numbered_placeholders("no binds"), "no binds");
    }
}
