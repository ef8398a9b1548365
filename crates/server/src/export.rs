//! `crm-trends export`: a table as CSV from the store, to standard output or a file.

use crate::config::ExportOptions;
use crate::lock::LockError;
use anyhow::Context;
use crm_service::{AnalyticsConfig, ExportRequest, FixedClock, Service, ServiceLimits};
use crm_storage::{Database, DbOptions, Location};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

/// Runs `crm-trends export`.
pub fn run(options: &ExportOptions) -> anyhow::Result<()> {
    let request = ExportRequest { table: options.table, from: options.from, to: options.to };
    let location = &options.database_url;
    // Reading beside a running server is safe; refreshing its analytics is not.
    let _held = match (location, options.as_of) {
        (Location::Sqlite(path), Some(_)) => Some(crate::lock::hold(path).map_err(|e| match e {
            LockError::Taken(_) => anyhow::anyhow!(
                "{e}: a running crm-trends server holds {}; export through its API, or stop it to \
                 export --as-of",
                path.display()
            ),
            LockError::Io { .. } => anyhow::Error::new(e),
        })?),
        _ => None,
    };
    if let Location::Sqlite(path) = location
        && !path.exists()
    {
        anyhow::bail!("there is no database at {}", path.display());
    }
    let db = Database::connect(location, DbOptions::for_command())
        .map_err(|e| anyhow::anyhow!("opening database {location}: {}", crm_service::error_chain(&e)))?;
    let mut service =
        Service::new(Arc::new(db), options.timezone, AnalyticsConfig::default(), ServiceLimits::default());
    service.check_export(&request).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(day) = options.as_of {
        service = service.with_clock(Arc::new(FixedClock::new(options.timezone.noon(day))));
        service.refresh(Some(day)).map_err(|e| anyhow::anyhow!("refreshing the analytics as of {day}: {e}"))?;
    }
    let rows = match &options.output {
        None => {
            let stdout = std::io::stdout().lock();
            export(&service, &request, BufWriter::with_capacity(256 * 1024, stdout))?
        }
        Some(path) => to_file(&service, &request, path)?,
    };
    let to = options.output.as_ref().map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    eprintln!("exported {rows} {} rows to {to}", request.table.as_str());
    Ok(())
}

fn export<W: Write>(service: &Service, request: &ExportRequest, out: W) -> anyhow::Result<u64> {
    service.export_csv(request, out).map_err(|e| anyhow::anyhow!("exporting {}: {e}", request.table.as_str()))
}

/// Writes beside `path` and renames: the file is the whole export or is not there.
fn to_file(service: &Service, request: &ExportRequest, path: &Path) -> anyhow::Result<u64> {
    let name = path.file_name().with_context(|| format!("{} is not a file name", path.display()))?;
    let mut partial = name.to_owned();
    partial.push(".partial");
    let partial = path.with_file_name(partial);
    let file = std::fs::File::create(&partial).with_context(|| format!("cannot write {}", partial.display()))?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let written = export(service, request, &mut out).and_then(|rows| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(rows)
    });
    match written {
        Ok(rows) => {
            std::fs::rename(&partial, path)
                .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
            Ok(rows)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}
