//! Command line and environment configuration, parsed and validated once at start.

use clap::{Args, Parser, Subcommand};
use crm_analytics::purpose::PurposeRules;
use crm_analytics::reorder::ReorderPolicy;
use crm_api::CorsPolicy;
use crm_domain::{MAX_EVENT_LEAD_DAYS, MAX_LEAD_TIME_DAYS, StoreZone};
use crm_service::AnalyticsConfig;
use crm_storage::Location;
use iso_currency::Currency;
use std::net::IpAddr;
use std::path::PathBuf;

/// Analytics and insights beside a shop's POS: customer segments, sales trends, product
/// popularity, a calendar of demand-shifting events, forecasts and reorder advice.
#[derive(Debug, Parser)]
#[command(name = "crm-trends", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service: the dashboard at /, the API under /api, Swagger UI at /swagger-ui/.
    Serve(Box<ServeOptions>),
    /// Print the OpenAPI specification (the committed openapi/openapi.json is its output).
    Openapi(OpenapiOptions),
    /// Copy the database, consistently, while the server runs and syncs go on (SQLite's
    /// `VACUUM INTO`); the copy is checked before it is called done.
    Backup(BackupOptions),
    /// Fill the database with a generated shop (customers, products with stock, sales with
    /// lines, festivals on the calendar), deterministic per seed, ending today.
    Demo(Box<DemoOptions>),
    /// Load customers, products, sales or calendar events from a CSV file (our exports, a
    /// Shopify or Square export, the UCI Online Retail file, or any layout a mapping file
    /// describes), through the sync rules: bad rows go to FILE.rejected.csv, the rest are
    /// stored. Exit status: 0 every row imported, 1 some rows rejected, 2 the import failed.
    Import(Box<ImportOptions>),
    /// Write a table as CSV (customers, products, sales, daily, calendar): the columns of
    /// `GET /api/export/TABLE`, read straight from the store, streamed.
    Export(Box<ExportOptions>),
}

/// Options of `crm-trends serve`. Every flag can also be set by its environment variable.
#[derive(Debug, Args)]
pub struct ServeOptions {
    /// Address to listen on. Without API keys only loopback addresses are allowed.
    #[arg(long, env = "CRM_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on (0 picks a free one; the chosen address is printed).
    #[arg(long, env = "CRM_PORT", default_value_t = 3001)]
    pub port: u16,

    /// The store: a SQLite database file (created with its directory if missing;
    /// `sqlite://` prefix allowed), or a `postgres://USER@HOST:PORT/DATABASE` URL.
    #[arg(long, env = "DATABASE_URL", default_value = "db/crm.sqlite", value_parser = parse_location)]
    pub database_url: Location,

    /// Seconds to keep trying, at start, a PostgreSQL server that does not answer (retries
    /// back off from half a second to 30 s); past it, the start fails naming the cause. 0:
    /// try once. (A SQLite file is opened once: a fault there is not worth waiting for.)
    #[arg(long, env = "CRM_DATABASE_WAIT_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub database_wait_secs: u64,

    /// The store's IANA time zone: decides which local day each sale belongs to.
    #[arg(long, env = "CRM_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: StoreZone,

    /// Most records accepted in one sync batch.
    #[arg(long, env = "CRM_MAX_BATCH", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_batch: u32,

    /// Largest request body accepted, in MiB.
    #[arg(long, env = "CRM_MAX_BODY_MB", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_body_mb: u32,

    /// The largest the database file may grow, in MiB (unset: the disk is the limit). Past
    /// it, writes are refused with 507 as on a full disk while reads go on: a cap that keeps
    /// a small SD card or a shared disk from filling up. SQLite only: on PostgreSQL the
    /// server's own disk and quotas limit it, and this setting is refused.
    #[arg(long, env = "CRM_MAX_DATABASE_MB", value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub max_database_mb: Option<u64>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CRM_WORKERS")]
    pub workers: Option<usize>,

    /// Read-only database connections in the pool.
    #[arg(long, env = "CRM_READ_CONNECTIONS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub read_connections: u32,

    /// API keys that may write (sync, calendar and tag writes, imports) and read,
    /// comma-separated, each at least 16 characters. Sent as `Authorization: Bearer <key>`.
    #[arg(long, env = "CRM_WRITE_KEYS", value_delimiter = ',', hide_env_values = true)]
    pub write_keys: Vec<String>,

    /// API keys that may only read, comma-separated, each at least 16 characters.
    #[arg(long, env = "CRM_READ_KEYS", value_delimiter = ',', hide_env_values = true)]
    pub read_keys: Vec<String>,

    /// A file of API keys, one a line (`write <key>` or `read <key>`), added to
    /// CRM_WRITE_KEYS and CRM_READ_KEYS and read again on SIGHUP: keys are rotated without
    /// a restart.
    #[arg(long, env = "CRM_KEYS_FILE")]
    pub keys_file: Option<PathBuf>,

    /// Browser origins whose pages may call the API (CORS), comma-separated exact origins
    /// such as `https://pos.example.com`. Replaces the default, the seed's POS front end on
    /// this machine (`http://localhost:3000,http://127.0.0.1:3000`); an empty value turns
    /// CORS off.
    #[arg(long, env = "CRM_CORS_ORIGINS", value_parser = parse_origins)]
    pub cors_origins: Option<CorsOrigins>,

    /// Addresses of reverse proxies in front of this server, comma-separated
    /// (`127.0.0.1,::1`). A request from one of them is judged by the client address it
    /// reports in `Forwarded` or `X-Forwarded-For`; a request with those headers from any
    /// other peer has no known client, so it is never taken for a local caller.
    #[arg(long, env = "CRM_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,

    /// Host names the server answers to besides `localhost`, `127.0.0.1` and `[::1]`,
    /// comma-separated (`shop.example.com,192.0.2.7`; a port is ignored). Without API keys
    /// any other `Host` is refused (421), which stops DNS rebinding; with keys, the list is
    /// enforced when set and every name is answered when it is not.
    #[arg(long, env = "CRM_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// Expensive reads (a forecast or backtest computed for the request, a calendar file
    /// read, an export) run at once; more wait for a slot (see CRM_QUEUE_WAIT_SECS), apart
    /// from the checkout card's reads.
    #[arg(long, env = "CRM_EXPENSIVE_READS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub expensive_reads: u32,

    /// Seconds one expensive read may run before it is abandoned with 503.
    #[arg(long, env = "CRM_EXPENSIVE_READ_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub expensive_read_secs: u64,

    /// Seconds a request waits for its turn (an expensive read for a slot, a write for the
    /// writer) before 503 with Retry-After.
    #[arg(long, env = "CRM_QUEUE_WAIT_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub queue_wait_secs: u64,

    /// Failed authentications (a missing or unknown key) a client address may make a
    /// minute; past them it is refused (429) whatever key it sends until its next is due.
    /// 0 turns the limit off.
    #[arg(long, env = "CRM_RATE_FAILED_AUTH", default_value_t = 100)]
    pub rate_failed_auth: u32,

    /// Writes (syncs, calendar and tag changes, imports, refreshes) a key may make a minute,
    /// or a client address without keys; 429 past it. 0 turns the limit off.
    #[arg(long, env = "CRM_RATE_WRITES", default_value_t = 6_000)]
    pub rate_writes: u32,

    /// Expensive reads (forecasts and backtests computed for the request, calendar file
    /// reads, exports) a key may make a minute, or a client address without keys; 429 past
    /// it. 0 turns the limit off.
    #[arg(long, env = "CRM_RATE_EXPENSIVE", default_value_t = 120)]
    pub rate_expensive: u32,

    /// Seconds between scheduled analytics refreshes (segments, RFM, popularity, pairs).
    #[arg(long, env = "CRM_REFRESH_INTERVAL_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub refresh_interval_secs: u64,

    /// Seconds after a sync before the analytics refresh it triggers (a burst of batches
    /// leads to one refresh).
    #[arg(long, env = "CRM_REFRESH_DELAY_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub refresh_delay_secs: u64,

    /// A customer whose first purchase is at most this many days old is `new`.
    #[arg(long, env = "CRM_NEW_CUSTOMER_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3_650))]
    pub new_customer_days: u32,

    /// The top share of customers by trailing-year spend that can be `vip`, in percent.
    #[arg(long, env = "CRM_VIP_TOP_PERCENT", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub vip_top_percent: u32,

    /// Completed purchases in the trailing year a `vip` needs at least.
    #[arg(long, env = "CRM_VIP_MIN_PURCHASES", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub vip_min_purchases: u32,

    /// Days without a purchase after which a customer is flagged as lapsed.
    #[arg(long, env = "CRM_LAPSED_AFTER_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3_650))]
    pub lapsed_after_days: u32,

    /// Age in days at which a sale counts half in product popularity.
    #[arg(long, env = "CRM_POPULARITY_HALF_LIFE_DAYS", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub popularity_half_life_days: u32,

    /// Purpose tags by product category, as `category=tag` pairs separated by commas
    /// (`Baking=party,Toys=gifts`): a customer who bought from a category within the last
    /// year gets its tag. Categories match case-insensitively.
    #[arg(long, env = "CRM_PURPOSE_TAGS", default_value = "", value_parser = parse_purpose_rules)]
    pub purpose_tags: PurposeRules,

    /// Days before a calendar event whose purchases earn the event's purpose tag (the event's
    /// name, such as `diwali`); purchases during the event earn it too. An event's own
    /// `lead_days` (the same range) overrides it.
    #[arg(long, env = "CRM_EVENT_TAG_LEAD_DAYS", default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_EVENT_LEAD_DAYS)))]
    pub event_tag_lead_days: u32,

    /// The store's currency, an ISO 4217 code: what the dashboard shows amounts in.
    #[arg(long, env = "CRM_CURRENCY", default_value = "USD", value_parser = parse_currency)]
    pub currency: Currency,

    /// Reorder advice's service level, in percent: the chance of not running out before an
    /// order arrives (50-99.9; its normal quantile sizes the safety stock).
    #[arg(long, env = "CRM_REORDER_SERVICE_LEVEL", default_value_t = 95.0, value_parser = parse_service_level)]
    pub reorder_service_level: f64,

    /// Days until the reorder list is looked at again: an order covers the lead time and
    /// this review period.
    #[arg(long, env = "CRM_REORDER_REVIEW_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=90))]
    pub reorder_review_days: u32,

    /// Lead time in days of a product whose `lead_time_days` the catalogue does not give.
    #[arg(long, env = "CRM_DEFAULT_LEAD_TIME_DAYS", default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_LEAD_TIME_DAYS)))]
    pub default_lead_time_days: u32,

    /// Serve a non-loopback address without API keys. Anyone who can reach the port can
    /// then read and change all data.
    #[arg(long, env = "CRM_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,
}

/// Options of `crm-trends backup`.
#[derive(Debug, Args)]
pub struct BackupOptions {
    /// The file to write the copy to; it must not exist yet.
    pub file: PathBuf,

    /// The database to copy: the running server's (the same `DATABASE_URL`).
    #[arg(long, env = "DATABASE_URL", default_value = "db/crm.sqlite", value_parser = parse_location)]
    pub database_url: Location,
}

/// A list of exact browser origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsOrigins(Vec<String>);

impl ServeOptions {
    /// The browser origins allowed to call the API: as configured, else the seed's POS.
    pub fn cors_origins(&self) -> Vec<String> {
        match &self.cors_origins {
            Some(CorsOrigins(origins)) => origins.clone(),
            None => CorsPolicy::SEED_ORIGINS.map(str::to_owned).to_vec(),
        }
    }

    /// The analytics rules these options set.
    pub fn analytics(&self) -> AnalyticsConfig {
        let mut config = AnalyticsConfig {
            purpose: self.purpose_tags.clone(),
            event_lead_days: u64::from(self.event_tag_lead_days),
            ..AnalyticsConfig::default()
        };
        config.segments.new_within_days = i64::from(self.new_customer_days);
        config.segments.vip_top_fraction = f64::from(self.vip_top_percent) / 100.0;
        config.segments.vip_min_purchases = i64::from(self.vip_min_purchases);
        config.segments.lapsed_after_days = i64::from(self.lapsed_after_days);
        config.popularity.half_life_days = f64::from(self.popularity_half_life_days);
        config.reorder = ReorderPolicy {
            service_level: self.reorder_service_level / 100.0,
            review_days: self.reorder_review_days,
            default_lead_time_days: self.default_lead_time_days,
        };
        config
    }
}

/// A `DATABASE_URL`: a SQLite file path (or `sqlite://` URL) or a PostgreSQL URL; any
/// other scheme is refused here, before anything is opened.
fn parse_location(url: &str) -> Result<Location, String> {
    Location::parse(url.trim()).map_err(|e| e.to_string())
}

/// Options of `crm-trends demo`.
#[derive(Debug, Args)]
pub struct DemoOptions {
    /// The store to fill (the server's `DATABASE_URL`: a SQLite file or a PostgreSQL URL).
    #[arg(long, env = "DATABASE_URL", default_value = "db/crm.sqlite", value_parser = parse_location)]
    pub database_url: Location,

    /// The store's IANA time zone (the server's).
    #[arg(long, env = "CRM_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: StoreZone,

    /// Customers to generate.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub customers: u32,

    /// Sales to generate, about (the calendar and the weekly rhythm shape each day's).
    #[arg(long, default_value_t = 25_000, value_parser = clap::value_parser!(u32).range(1..=5_000_000))]
    pub sales: u32,

    /// Days of history, ending today (at least 28; two years let the forecast learn each
    /// festival from its past occurrence).
    #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(28..=3_660))]
    pub days: u32,

    /// Seed of the generator: the same seed gives the same shop.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// The day the history ends on, YYYY-MM-DD (default: today in the store's time zone):
    /// a shop as it stood on that day, the same on every run (e.g. the day before
    /// Christmas Eve, to show the festive forecast).
    #[arg(long, value_parser = parse_day_arg)]
    pub today: Option<chrono::NaiveDate>,

    /// Write into a database that already holds data (the demo's records upsert by id).
    #[arg(long)]
    pub force: bool,
}

/// Options of `crm-trends import`.
#[derive(Debug, Args)]
pub struct ImportOptions {
    /// What the file holds: customers, products, sales (one row per sale line) or calendar
    /// (events).
    #[arg(value_parser = parse_kind)]
    pub kind: crm_service::ImportKind,

    /// The CSV file (`.csv.gz` is read through gzip).
    pub file: PathBuf,

    /// The file's layout: generic (our field names), online-retail (the UCI Online Retail
    /// file), shopify (Shopify's orders export), square (Square's item details export).
    /// docs/import.md lists the columns and rules of each.
    #[arg(long, default_value = "generic", value_parser = parse_format, conflicts_with = "map")]
    pub format: crm_service::ImportFormat,

    /// A mapping file (TOML) for any other layout: which column holds which field, the
    /// decimal separator, the time formats (docs/import.md).
    #[arg(long, value_name = "MAPPING.toml")]
    pub map: Option<PathBuf>,

    /// Check every row and write nothing (the rejected rows are reported as usual).
    #[arg(long)]
    pub dry_run: bool,

    /// The file's text encoding when it has no byte-order mark: utf-8 (default) or
    /// windows-1252.
    #[arg(long, value_parser = parse_encoding)]
    pub encoding: Option<crm_service::TextEncoding>,

    /// Import through the running server at this address (http://HOST:PORT) instead of
    /// straight into the store: its sync API checks and writes each batch, its time zone
    /// reads the file's times. The write key comes from the environment (CRM_API_KEY),
    /// never the command line. Not for calendar files.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// The store to load (the server's `DATABASE_URL`: a SQLite file or a PostgreSQL URL).
    /// A SQLite file must not be in use by a running server.
    #[arg(long, env = "DATABASE_URL", default_value = "db/crm.sqlite", value_parser = parse_location)]
    pub database_url: Location,

    /// The store's IANA time zone (the server's): times without an offset are read in it.
    #[arg(long, env = "CRM_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: StoreZone,

    /// Rows between two progress lines when standard error is not a terminal (on a
    /// terminal a progress bar shows instead).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub progress_every: u64,
}

/// Options of `crm-trends export`.
#[derive(Debug, Args)]
pub struct ExportOptions {
    /// The table: customers, products, sales (one row per line), daily (totals per day) or
    /// calendar.
    #[arg(value_parser = parse_table)]
    pub table: crm_service::ExportTable,

    /// Write to this file instead of standard output (written whole or not at all: the CSV
    /// goes to a temporary file beside it, renamed when complete).
    #[arg(long, short)]
    pub output: Option<PathBuf>,

    /// First store-local day (sales and daily only; default: the first day with a sale).
    #[arg(long, value_parser = parse_day_arg)]
    pub from: Option<chrono::NaiveDate>,

    /// Last store-local day, included (sales and daily only; default: the last day with a
    /// sale).
    #[arg(long, value_parser = parse_day_arg)]
    pub to: Option<chrono::NaiveDate>,

    /// Refresh the analytics as of the end of this day first, as a server whose today it is
    /// would, so the derived columns (segment, RFM, value) are those of that day. Writes the
    /// analytics: a SQLite file must not be in use by a running server.
    #[arg(long, value_parser = parse_day_arg)]
    pub as_of: Option<chrono::NaiveDate>,

    /// The store to read (the server's `DATABASE_URL`).
    #[arg(long, env = "DATABASE_URL", default_value = "db/crm.sqlite", value_parser = parse_location)]
    pub database_url: Location,

    /// The store's IANA time zone (the server's): decides each sale's day.
    #[arg(long, env = "CRM_TIMEZONE", default_value = "UTC", value_parser = parse_zone)]
    pub timezone: StoreZone,
}

fn parse_table(text: &str) -> Result<crm_service::ExportTable, String> {
    text.parse()
}

fn parse_kind(text: &str) -> Result<crm_service::ImportKind, String> {
    text.parse()
}

fn parse_format(text: &str) -> Result<crm_service::ImportFormat, String> {
    text.parse()
}

fn parse_encoding(text: &str) -> Result<crm_service::TextEncoding, String> {
    text.parse()
}

/// Options of `crm-trends openapi`.
#[derive(Debug, Args)]
pub struct OpenapiOptions {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn parse_purpose_rules(text: &str) -> Result<PurposeRules, crm_analytics::purpose::PurposeRuleError> {
    PurposeRules::parse(text)
}

/// An ISO 4217 code, upper case.
fn parse_currency(code: &str) -> Result<Currency, String> {
    Currency::from_code(code.trim())
        .ok_or_else(|| format!("expected an ISO 4217 currency code such as EUR, got {code:?}"))
}

fn parse_service_level(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(level) if (50.0..=99.9).contains(&level) => Ok(level),
        _ => Err(format!("expected a percentage from 50 to 99.9, got {text:?}")),
    }
}

/// Comma-separated exact origins; empty for none.
fn parse_origins(text: &str) -> Result<CorsOrigins, String> {
    let origins = text.split(',').map(str::trim).filter(|o| !o.is_empty()).map(parse_origin);
    origins.collect::<Result<Vec<_>, _>>().map(CorsOrigins)
}

/// An exact origin: `http(s)://host[:port]`, nothing after it.
fn parse_origin(origin: &str) -> Result<String, String> {
    let origin = origin.trim();
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    let valid =
        rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '*', ' ', '@']) && host.is_ascii());
    if valid {
        Ok(origin.to_owned())
    } else {
        Err(format!("{origin:?} is not an exact origin such as https://pos.example.com"))
    }
}

fn parse_day_arg(text: &str) -> Result<chrono::NaiveDate, String> {
    crm_domain::parse_day(text).map_err(|e| e.to_string())
}

fn parse_zone(name: &str) -> Result<StoreZone, String> {
    StoreZone::parse(name).map_err(|e| format!("{e}; use a name such as Europe/London or Asia/Kolkata"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_sqlite_url_prefix_is_stripped_from_the_database_path() {
        let cli = Cli::parse_from(["crm-trends", "serve", "--database-url", "sqlite://data/x.sqlite"]);
        let Command::Serve(options) = cli.command else { panic!("expected serve") };
        assert_eq!(options.database_url, Location::Sqlite(PathBuf::from("data/x.sqlite")));
    }

    #[test]
    fn a_postgres_url_is_taken_and_an_unknown_scheme_is_refused_before_anything_opens() {
        let cli = Cli::parse_from(["crm-trends", "serve", "--database-url", "postgres://root@127.0.0.1:5432/test"]);
        let Command::Serve(options) = cli.command else { panic!("expected serve") };
        assert_eq!(options.database_url, Location::Postgres("postgres://root@127.0.0.1:5432/test".into()));
        let refused = Cli::try_parse_from(["crm-trends", "serve", "--database-url", "mysql://root@localhost/crm"])
            .expect_err("mysql is not an engine crm-trends runs on");
        let message = refused.to_string();
        assert!(message.contains("\"mysql\"") && message.contains("postgres://"), "{message}");
    }

    #[test]
    fn cors_origins_must_be_exact_origins() {
        assert_eq!(parse_origin("https://pos.example.com:8443"), Ok("https://pos.example.com:8443".into()));
        assert!(parse_origin("*").is_err());
        assert!(parse_origin("https://pos.example.com/").is_err());
        assert!(parse_origin("pos.example.com").is_err());
    }

    #[test]
    fn cors_defaults_to_the_seeds_pos_and_an_empty_value_turns_it_off() {
        let origins = |args: &[&str]| {
            let cli = Cli::parse_from([&["crm-trends", "serve"], args].concat());
            let Command::Serve(options) = cli.command else { panic!("expected serve") };
            options.cors_origins()
        };
        assert_eq!(origins(&[]), ["http://localhost:3000", "http://127.0.0.1:3000"]);
        assert_eq!(origins(&["--cors-origins", ""]), Vec::<String>::new());
        assert_eq!(
            origins(&["--cors-origins", "https://pos.example.com, http://10.0.0.5:3000"]),
            ["https://pos.example.com", "http://10.0.0.5:3000"]
        );
        assert!(Cli::try_parse_from(["crm-trends", "serve", "--cors-origins", "https://a.example,*"]).is_err());
    }

    #[test]
    fn keys_are_comma_separated_lists() {
        let cli = Cli::parse_from(["crm-trends", "serve", "--write-keys", "aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb"]);
        let Command::Serve(options) = cli.command else { panic!("expected serve") };
        assert_eq!(options.write_keys.len(), 2);
    }

    #[test]
    fn an_unknown_time_zone_is_refused_at_start() {
        assert!(Cli::try_parse_from(["crm-trends", "serve", "--timezone", "Mars/Olympus"]).is_err());
    }

    #[test]
    fn the_reorder_policy_is_set_in_percent_and_days_within_bounds() {
        let policy = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["crm-trends", "serve"], args].concat()).map_err(|e| e.to_string())?;
            let Command::Serve(options) = cli.command else { panic!("expected serve") };
            Ok::<_, String>(options.analytics().reorder)
        };
        assert_eq!(
            policy(&[]).unwrap(),
            ReorderPolicy { service_level: 0.95, review_days: 7, default_lead_time_days: 7 }
        );
        let set = policy(&[
            "--reorder-service-level",
            "97.5",
            "--reorder-review-days",
            "0",
            "--default-lead-time-days",
            "365",
        ])
        .unwrap();
        assert_eq!(set, ReorderPolicy { service_level: 0.975, review_days: 0, default_lead_time_days: 365 });
        let refused = policy(&["--reorder-service-level", "100"]).unwrap_err();
        assert!(refused.contains("expected a percentage from 50 to 99.9, got \"100\""), "{refused}");
        assert!(policy(&["--reorder-service-level", "49.9"]).is_err());
        assert!(policy(&["--reorder-review-days", "91"]).is_err());
        assert!(policy(&["--default-lead-time-days", "366"]).is_err());
    }

    #[test]
    fn the_currency_is_an_iso_4217_code() {
        let currency = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["crm-trends", "serve"], args].concat()).map_err(|e| e.to_string())?;
            let Command::Serve(options) = cli.command else { panic!("expected serve") };
            Ok::<_, String>(options.currency.code())
        };
        assert_eq!(currency(&[]).unwrap(), "USD");
        assert_eq!(currency(&["--currency", "EUR"]).unwrap(), "EUR");
        assert_eq!(currency(&["--currency", "INR"]).unwrap(), "INR");
        let refused = currency(&["--currency", "XYZ"]).unwrap_err();
        assert!(refused.contains("expected an ISO 4217 currency code such as EUR, got \"XYZ\""), "{refused}");
        assert!(currency(&["--currency", "eur"]).is_err(), "codes are upper case");
    }
}
