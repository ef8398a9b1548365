//! `crm-trends import`: a CSV file into the store, through the service's import (the sync
//! rules and writes), with a progress bar on a terminal or a line every N rows elsewhere,
//! the rejected rows in `FILE.rejected.csv`, and a summary. Straight into the store, or
//! through a running server's sync API with `--url` ([`remote`]).

mod remote;

use crate::config::ImportOptions;
use crate::lock::LockError;
use crm_domain::spreadsheet_safe;
use crm_service::{
    AnalyticsConfig, CsvImport, ImportFailure, ImportKind, ImportSummary, ImportTarget, ImportWatcher, Layout,
    RejectedRow, Service, ServiceLimits, TextEncoding,
};
use crm_storage::{Database, DbOptions, Location};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use remote::Remote;
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Every row imported.
pub const EXIT_IMPORTED: i32 = 0;
/// Some rows rejected, the rest imported.
pub const EXIT_REJECTED: i32 = 1;
/// The import failed: nothing of the failing batch was written.
pub const EXIT_FAILED: i32 = 2;

/// Runs `crm-trends import` and returns its exit status.
pub fn run(options: &ImportOptions) -> i32 {
    match import(options) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("crm-trends import: {error:#}");
            EXIT_FAILED
        }
    }
}

fn import(options: &ImportOptions) -> anyhow::Result<i32> {
    let layout = layout(options)?;
    let encoding = match (options.encoding, &layout.encoding) {
        (Some(given), _) => given,
        (None, Some(named)) => named.parse().map_err(anyhow::Error::msg)?,
        (None, None) => TextEncoding::Utf8,
    };
    let request = CsvImport { kind: options.kind, layout, encoding, dry_run: options.dry_run };
    let file = options.file.clone();
    let size = std::fs::metadata(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?.len();

    let remote;
    let service;
    let _held;
    let target: &dyn ImportTarget = match &options.url {
        Some(url) => {
            if options.kind == ImportKind::Calendar {
                anyhow::bail!(
                    "a calendar file is imported straight into the store (drop --url), or sent to the server as \
                     iCalendar (POST /api/calendar/import)"
                );
            }
            let key = std::env::var("CRM_API_KEY").ok().filter(|k| !k.is_empty());
            remote = Remote::connect(url, key)?;
            &remote
        }
        None => {
            let location = &options.database_url;
            _held = match location {
                Location::Sqlite(path) => Some(crate::lock::hold(path).map_err(|e| match e {
                    LockError::Taken(_) => anyhow::anyhow!(
                        "{e}: a running crm-trends server holds {}; stop it first, or import through it with \
                         --url",
                        path.display()
                    ),
                    LockError::Io { .. } => anyhow::Error::new(e),
                })?),
                Location::Postgres(_) => None,
            };
            let db = Database::connect(location, DbOptions::for_command())
                .map_err(|e| anyhow::anyhow!("opening database {location}: {}", crm_service::error_chain(&e)))?;
            service =
                Service::new(Arc::new(db), options.timezone, AnalyticsConfig::default(), ServiceLimits::default());
            &service
        }
    };

    let read = Arc::new(AtomicU64::new(0));
    let opener = {
        let read = Arc::clone(&read);
        move || open(&file, Arc::clone(&read))
    };
    let report_path = rejected_path(&options.file);
    let mut watcher = Watcher::new(&options.file, report_path.clone(), size, read, options.progress_every);
    let started = Instant::now();
    let outcome = crm_service::import_csv(target, &opener, &request, &mut watcher);
    watcher.finish()?;
    let took = started.elapsed().as_secs_f64();
    let (summary, failure) = match outcome {
        Ok(summary) => (summary, None),
        Err(failure) => {
            let ImportFailure { summary, error } = *failure;
            (summary, Some(error))
        }
    };
    println!("{}", describe(options, &summary, took));
    if summary.rejected_rows > 0 {
        println!("rejected rows, with the column and the rule each broke: {}", report_path.display());
    } else if report_path.exists() {
        std::fs::remove_file(&report_path)
            .map_err(|e| anyhow::anyhow!("removing the old report {}: {e}", report_path.display()))?;
    }
    if let Some(error) = failure {
        eprintln!("crm-trends import: {error}");
        return Ok(EXIT_FAILED);
    }
    Ok(if summary.rejected_rows > 0 { EXIT_REJECTED } else { EXIT_IMPORTED })
}

/// The layout: the mapping file's, or the built-in format's.
fn layout(options: &ImportOptions) -> anyhow::Result<Layout> {
    let Some(path) = &options.map else {
        return options.format.layout(options.kind).map_err(anyhow::Error::msg);
    };
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let layout: Layout = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    layout.check(options.kind).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(layout)
}

/// Opens the file (through gzip when its name ends in `.gz`), counting the bytes read.
fn open(path: &Path, read: Arc<AtomicU64>) -> std::io::Result<Box<dyn Read>> {
    read.store(0, Ordering::Relaxed);
    let counted = Counted { inner: File::open(path)?, read };
    let buffered = BufReader::with_capacity(256 * 1024, counted);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz")) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// A reader that counts what it reads (for the progress bar's share of the file).
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// `FILE.rejected.csv` beside `FILE`.
fn rejected_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".rejected.csv");
    PathBuf::from(name)
}

/// Shows progress and writes the rejected rows.
struct Watcher {
    bar: Option<ProgressBar>,
    every: u64,
    last_line: u64,
    started: Instant,
    size: u64,
    read: Arc<AtomicU64>,
    report_path: PathBuf,
    report: Option<csv::Writer<File>>,
    error: Option<String>,
}

impl Watcher {
    fn new(file: &Path, report_path: PathBuf, size: u64, read: Arc<AtomicU64>, every: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr_with_hz(4));
            let style =
                ProgressStyle::with_template("{prefix} [{elapsed_precise}] {wide_bar} {percent:>3}%  {msg}  ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            bar
        });
        Self { bar, every, last_line: 0, started: Instant::now(), size, read, report_path, report: None, error: None }
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(mut report) = self.report.take() {
            report.flush().map_err(|e| anyhow::anyhow!("writing {}: {e}", self.report_path.display()))?;
        }
        match self.error.take() {
            Some(error) => Err(anyhow::anyhow!("writing {}: {error}", self.report_path.display())),
            None => Ok(()),
        }
    }

    fn write_rejected(&mut self, rejected: &RejectedRow) -> Result<(), String> {
        if self.report.is_none() {
            let file = File::create(&self.report_path).map_err(|e| e.to_string())?;
            let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(file);
            writer.write_record(["row", "line", "field", "message", "values"]).map_err(|e| e.to_string())?;
            self.report = Some(writer);
        }
        let Some(report) = self.report.as_mut() else { return Ok(()) };
        let mut record = vec![
            rejected.row.to_string(),
            rejected.line.to_string(),
            spreadsheet_safe(&rejected.field),
            spreadsheet_safe(&rejected.message),
        ];
        record.extend(rejected.values.iter().map(|v| spreadsheet_safe(v)));
        report.write_record(&record).map_err(|e| e.to_string())
    }
}

impl ImportWatcher for Watcher {
    fn progress(&mut self, rows: u64) {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = rows as f64 / seconds;
        let read = self.read.load(Ordering::Relaxed).min(self.size);
        match &self.bar {
            Some(bar) => {
                bar.set_position(read);
                bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
            }
            None if rows >= self.last_line + self.every => {
                self.last_line = rows - rows % self.every;
                let share = if self.size > 0 { 100.0 * read as f64 / self.size as f64 } else { 100.0 };
                eprintln!("{rows} rows read ({share:.0} % of the file), {rate:.0} rows/s");
            }
            None => {}
        }
    }

    fn rejected(&mut self, rejected: &RejectedRow) {
        if self.error.is_none()
            && let Err(error) = self.write_rejected(rejected)
        {
            self.error = Some(error);
        }
    }
}

/// The summary, one paragraph.
fn describe(options: &ImportOptions, s: &ImportSummary, took: f64) -> String {
    let kind = match options.kind {
        crm_service::ImportKind::Calendar => "calendar events",
        other => other.as_str(),
    };
    let format = options.map.as_ref().map_or_else(|| options.format.as_str().to_owned(), |m| m.display().to_string());
    let verb = if s.dry_run { "checked (dry run, nothing written)" } else { "imported" };
    let mut text = format!(
        "{verb} {} as {kind} ({format}, delimiter {:?}): {} rows in {took:.1} s ({:.0} rows/s); {} {kind} valid",
        options.file.display(),
        s.delimiter,
        s.rows,
        s.rows as f64 / took.max(1e-3),
        s.records
    );
    if !s.dry_run {
        text += &format!(": {} created, {} updated, {} unchanged", s.created, s.updated, s.unchanged);
    }
    text += &format!("; {} rows rejected ({} {kind})", s.rejected_rows, s.rejected_records);
    if !s.skipped.is_empty() {
        let reasons: Vec<String> = s.skipped.iter().map(|(why, n)| format!("{why}: {n}")).collect();
        text += &format!("; skipped by the format's rules: {}", reasons.join(", "));
    }
    if !s.ignored_columns.is_empty() {
        text += &format!("; columns not read: {}", s.ignored_columns.join(", "));
    }
    if let Some(url) = &options.url {
        text += &format!("; through {url}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_sits_beside_the_file() {
        assert_eq!(rejected_path(Path::new("/x/sales.csv")), PathBuf::from("/x/sales.csv.rejected.csv"));
    }
}
