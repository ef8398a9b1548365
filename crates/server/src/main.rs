//! `crm-trends`: the analytics and insights service beside a shop's POS.
//!
//! One binary: `serve` runs the HTTP service (dashboard, API, Swagger UI) over an embedded
//! SQLite file; `demo` fills that file with a generated shop; `openapi` prints the API
//! specification.

mod config;
mod demo;
mod lock;
mod serve;

use clap::Parser;
use config::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(options) => {
            init_logging();
            serve::run(*options)
        }
        Command::Demo(options) => demo::run(&options),
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

/// Logs to stderr at `info` unless `RUST_LOG` says otherwise.
fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp_millis()
        .init();
}
