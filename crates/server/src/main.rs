//! `crm-trends`: the analytics and insights service beside a shop's POS.
//!
//! One binary: `serve` runs the HTTP service (dashboard, API, Swagger UI) over an embedded
//! SQLite file; `demo` fills that file with a generated shop; `import` loads a CSV file
//! into it; `export` writes any of its tables as CSV; `backup` copies it while the server
//! runs; `openapi` prints the API specification.

mod config;
mod demo;
mod export;
mod import;
mod keys;
mod lock;
mod serve;

use clap::Parser;
use config::{Cli, Command};

/// The process allocator: jemalloc, which hands freed memory back to the system after a
/// refresh (glibc kept about 100 MB of it; docs/performance.md, issue 23).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(options) => {
            init_logging();
            serve::run(*options)
        }
        Command::Demo(options) => demo::run(&options),
        Command::Import(options) => std::process::exit(import::run(&options)),
        Command::Export(options) => export::run(&options),
        Command::Backup(options) => backup(&options),
        Command::Openapi(options) => {
            let spec = crm_api::openapi().to_pretty_json()?;
            match options.output {
                Some(path) => std::fs::write(&path, format!("{spec}\n"))?,
                None => println!("{spec}"),
            }
            Ok(())
        }
    }
}

/// Runs `crm-trends backup`: copies the database beside the running server and reports
/// what the copy holds.
fn backup(options: &config::BackupOptions) -> anyhow::Result<()> {
    let database = match &options.database_url {
        crm_storage::Location::Sqlite(path) => path.clone(),
        crm_storage::Location::Postgres(_) => anyhow::bail!(
            "crm-trends backup copies a SQLite file; back a PostgreSQL database up with pg_dump \
             (docs/operations.md, \"Several replicas on PostgreSQL\")"
        ),
    };
    let report = crm_storage::backup(&database, &options.file).map_err(|e| {
        anyhow::anyhow!(
            "backing up {} to {}: {}",
            database.display(),
            options.file.display(),
            crm_service::error_chain(&e)
        )
    })?;
    if report.integrity != "ok" {
        anyhow::bail!("the copy {} failed its integrity check: {}", options.file.display(), report.integrity);
    }
    let c = report.counts;
    println!(
        "backup of {} written to {}: {} bytes, integrity ok, {} customers, {} sales, {} products, {} calendar events, in {} ms",
        database.display(),
        options.file.display(),
        report.bytes,
        c.customers,
        c.sales,
        c.products,
        c.calendar_events,
        report.took.as_millis()
    );
    Ok(())
}

/// Logs to stderr at `info` unless `RUST_LOG` says otherwise.
fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .init();
}
