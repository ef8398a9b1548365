//! Ingest benchmark: sales per second through the real HTTP API, next to the rate of a
//! bare insert of the same rows into a copy of the same database.
//!
//! 1. Preloads a database with customers, products and `--preload` sales (through the
//!    storage layer, in 10,000-sale transactions).
//! 2. Copies it; starts the release `crm-trends` binary on the original and POSTs
//!    `--sales` new sales (1-5 lines each) in `--batch`-sale batches from `--clients`
//!    threads, timing the whole run and reading the server's peak RSS.
//! 3. Inserts the same sales into the copy with the bare insert (same schema, indexes,
//!    pragmas and batch size; no HTTP, JSON, lookups or aggregates) and times that.
//!
//! The server's background analytics refresh is held off during the timed run unless
//! `--with-refresh` is given.
//!
//! With `--postgres ADMIN_URL` the store is a new PostgreSQL database on that server (its
//! copy for the bare insert made with `CREATE DATABASE ... TEMPLATE`; both dropped at the
//! end unless `--keep`), and `--replicas N` starts N servers on it, the clients taking
//! turns among them.
//!
//! Run: `scripts/bench-ingest.sh` (builds the release binary first; see docs/performance.md).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark harness: a panic is the report")]

use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use crm_domain::{
    Customer, CustomerId, Money, Product, ProductId, Sale, SaleId, SaleItem, SaleStatus, StoreZone, UnitPrice,
};
use crm_storage::{Database, DbOptions, Location, ingest};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Debug, Parser)]
struct Args {
    /// Sales already in the database before the timed run.
    #[arg(long, default_value_t = 1_000_000)]
    preload: usize,
    /// Sales sent during the timed run.
    #[arg(long, default_value_t = 100_000)]
    sales: usize,
    /// Sales per batch.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 2)]
    clients: usize,
    /// Customers in the data set.
    #[arg(long, default_value_t = 100_000)]
    customers: i64,
    /// Products in the data set.
    #[arg(long, default_value_t = 4_000)]
    products: i64,
    /// Where to keep the databases (default: a temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Let the server's background analytics refresh run during the timed run (by default
    /// it is held off, so the figure is ingest alone; the refresh is measured on its own).
    #[arg(long)]
    with_refresh: bool,
    /// Store on PostgreSQL: a server URL whose role may create databases
    /// (`postgres://postgres@127.0.0.1:5432/postgres`).
    #[arg(long)]
    postgres: Option<String>,
    /// Servers on the one database (PostgreSQL only; more than one needs `--postgres`).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// Keep the PostgreSQL databases (their URLs are printed).
    #[arg(long)]
    keep: bool,
}

/// PostgreSQL databases made for the run, dropped when this goes unless kept.
struct Scratch {
    admin: String,
    names: Vec<String>,
    keep: bool,
}

impl Scratch {
    fn admin(&self) -> diesel::PgConnection {
        use diesel::Connection;
        diesel::PgConnection::establish(&self.admin).expect("the PostgreSQL server")
    }

    /// `name`'s URL on the same server.
    fn url(&self, name: &str) -> String {
        let base = self.admin.rsplit_once('/').map_or(self.admin.as_str(), |(base, _)| base);
        format!("{base}/{name}")
    }

    /// A new database, empty or (`template`) a copy of another.
    fn create(&mut self, name: &str, template: &str) -> String {
        use diesel::connection::SimpleConnection;
        self.admin()
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template} ENCODING 'UTF8'"))
            .expect("create the database");
        self.names.push(name.to_owned());
        self.url(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        if self.keep {
            for name in &self.names {
                println!("kept: {}", self.url(name));
            }
            return;
        }
        let mut admin = self.admin();
        for name in &self.names {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A small deterministic generator (SplitMix64), so every run sends the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Sales arrive in time order, as from a real till: sale `id` is placed at its share of
/// two years, give or take an hour.
fn make_sale(id: i64, args: &Args, rng: &mut Rng, start: DateTime<Utc>) -> Sale {
    let total = (args.preload + args.sales) as i64;
    let offset = 730 * 86_400 * id / total + rng.below(3_600) as i64;
    let created_at = start + Duration::seconds(offset);
    let customer =
        (rng.below(10) >= 3).then(|| CustomerId::try_from(1 + rng.below(args.customers as u64) as i64).unwrap());
    let lines = 1 + rng.below(5);
    let items: Vec<SaleItem> = (0..lines)
        .map(|_| SaleItem {
            product_id: ProductId::parse(&format!("P{:05}", rng.below(args.products as u64))).unwrap(),
            product_name: None,
            category: None,
            quantity: 1 + rng.below(6) as i64,
            unit_price: UnitPrice::from_ten_thousandths(500 + rng.below(200_000) as i64),
        })
        .collect();
    let total = items.iter().map(|i| i.unit_price.line_total(i.quantity).cents()).sum();
    let mut sale = Sale::new(SaleId::try_from(id).unwrap(), Money::from_cents(total), created_at, StoreZone::UTC);
    sale.customer_id = customer;
    sale.status = if rng.below(50) == 0 { SaleStatus::Refunded } else { SaleStatus::Completed };
    sale.payment_method = Some(if rng.below(2) == 0 { "card" } else { "cash" }.to_owned());
    sale.items = items;
    sale
}

fn sale_json(sale: &Sale) -> Value {
    json!({
        "id": sale.id.get(),
        "customer_id": sale.customer_id.map(|c| c.get()),
        "total_amount": sale.total.to_decimal(),
        "created_at": sale.created_at().to_rfc3339(),
        "status": sale.status.as_str(),
        "payment_method": sale.payment_method,
        "items": sale.items.iter().map(|i| json!({
            "product_id": i.product_id.as_str(),
            "quantity": i.quantity,
            "unit_price": i.unit_price.to_decimal(),
        })).collect::<Vec<_>>(),
    })
}

fn preload(db: &Database, args: &Args, rng: &mut Rng, start: DateTime<Utc>) {
    let now = Utc::now();
    let customers: Vec<Customer> = (1..=args.customers)
        .map(|id| Customer {
            id: CustomerId::try_from(id).unwrap(),
            name: format!("Customer {id}"),
            phone: Some(format!("555{id:07}")),
            email: None,
            address: None,
            notes: None,
            created_at: None,
        })
        .collect();
    for chunk in customers.chunks(10_000) {
        db.write(|c| ingest::sync_customers(c, chunk, now)).unwrap();
    }
    let products: Vec<Product> = (0..args.products)
        .map(|n| Product {
            id: ProductId::parse(&format!("P{n:05}")).unwrap(),
            name: format!("Product {n}"),
            category: Some(format!("Category {}", n % 40)),
            stock_on_hand: Some(100),
            lead_time_days: Some(7),
            unit_cost: None,
            pack_size: None,
            min_order_quantity: None,
            discontinued: false,
        })
        .collect();
    db.write(|c| ingest::sync_products(c, &products, now, now.date_naive())).unwrap();
    let started = Instant::now();
    let mut id = 0_i64;
    while (id as usize) < args.preload {
        let n = (args.preload - id as usize).min(10_000);
        let batch: Vec<Sale> = (0..n).map(|k| make_sale(id + 1 + k as i64, args, rng, start)).collect();
        db.write(|c| ingest::sync_sales(c, &batch, now)).unwrap();
        id += n as i64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "preload: {} sales via the storage layer in {secs:.1} s ({:.0} sales/s)",
        args.preload,
        args.preload as f64 / secs
    );
}

fn peak_rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().and_then(Path::parent).unwrap().join("crm-trends");
    assert!(release.exists(), "build the server first: cargo build --release -p crm-server ({release:?} missing)");
    release
}

fn main() {
    let args = Args::parse();
    assert!(
        args.replicas == 1 || args.postgres.is_some(),
        "several replicas need --postgres (a SQLite file is one process's)"
    );
    let temp = tempfile::tempdir().unwrap();
    let dir = args.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let start = DateTime::parse_from_rfc3339("2024-01-01T08:00:00Z").unwrap().to_utc();
    let mut rng = Rng(42);

    let mut scratch =
        args.postgres.as_ref().map(|admin| Scratch { admin: admin.clone(), names: Vec::new(), keep: args.keep });
    let (api_url, bare_url) = match &mut scratch {
        None => {
            let (api_db, bare_db) = (dir.join("api.sqlite"), dir.join("bare.sqlite"));
            {
                let db = Database::open(&api_db, DbOptions::default()).unwrap();
                preload(&db, &args, &mut rng, start);
            }
            for suffix in ["", "-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{suffix}", api_db.display()));
                if from.exists() {
                    std::fs::copy(&from, format!("{}{suffix}", bare_db.display())).unwrap();
                }
            }
            (api_db.display().to_string(), bare_db.display().to_string())
        }
        Some(scratch) => {
            let name = format!("crm_bench_{}", std::process::id());
            let api = scratch.create(&name, "template0");
            {
                let db = Database::connect(&Location::parse(&api).unwrap(), DbOptions::default()).unwrap();
                preload(&db, &args, &mut rng, start);
            }
            let bare = scratch.create(&format!("{name}_bare"), &name);
            (api, bare)
        }
    };

    let first_id = args.preload as i64 + 1;
    let sales: Vec<Sale> = (0..args.sales).map(|k| make_sale(first_id + k as i64, &args, &mut rng, start)).collect();
    let bodies: Vec<Vec<u8>> = sales
        .chunks(args.batch)
        .map(|chunk| serde_json::to_vec(&json!({"sales": chunk.iter().map(sale_json).collect::<Vec<_>>()})).unwrap())
        .collect();
    let mb = bodies.iter().map(Vec::len).sum::<usize>() as f64 / 1_048_576.0;

    let refresh_delay = if args.with_refresh { "0" } else { "3600" };
    let mut servers: Vec<(std::process::Child, String, f64)> = (0..args.replicas.max(1))
        .map(|_| {
            let mut server = Command::new(server_binary())
                .args(["serve", "--port", "0", "--refresh-delay-secs", refresh_delay, "--database-url", &api_url])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
            let base = line.trim().strip_prefix("crm-trends listening on ").unwrap().to_owned();
            let (rss_idle, _) = peak_rss_mib(server.id());
            (server, base, rss_idle)
        })
        .collect();

    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..args.clients.max(1) {
            let base = &servers[client % servers.len()].1;
            let (next, bodies) = (&next, &bodies);
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let mut reply = agent
                        .post(format!("{base}/api/sync/sales"))
                        .header("Content-Type", "application/json")
                        .send(&body[..])
                        .unwrap();
                    let status = reply.status().as_u16();
                    let text = reply.body_mut().read_to_string().unwrap();
                    assert_eq!(status, 200, "{text}");
                }
            });
        }
    });
    let api_secs = started.elapsed().as_secs_f64();
    let mut rss = Vec::new();
    for (server, _, rss_idle) in &mut servers {
        let (rss_now, rss_peak) = peak_rss_mib(server.id());
        rss.push((*rss_idle, rss_now, rss_peak));
        let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
        let _ = server.wait();
    }

    let bare = Database::connect(&Location::parse(&bare_url).unwrap(), DbOptions::default()).unwrap();
    let now = Utc::now();
    let started = Instant::now();
    for chunk in sales.chunks(args.batch) {
        bare.write(|c| ingest::insert_sales_bare(c, chunk, now)).unwrap();
    }
    let bare_secs = started.elapsed().as_secs_f64();
    drop(bare);

    let lines: usize = sales.iter().map(|s| s.items.len()).sum();
    let api_rate = args.sales as f64 / api_secs;
    let bare_rate = args.sales as f64 / bare_secs;
    println!(
        "data: {} new sales ({lines} lines, {:.2} per sale) in batches of {}, {mb:.1} MiB of JSON, {} clients, onto {} stored sales, {} on {} server(s)",
        args.sales,
        lines as f64 / args.sales as f64,
        args.batch,
        args.clients,
        args.preload,
        if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" },
        servers.len()
    );
    println!("http api:    {api_rate:>8.0} sales/s  ({api_secs:.2} s)");
    println!("bare insert: {bare_rate:>8.0} sales/s  ({bare_secs:.2} s)");
    println!("api / bare:  {:>8.1} %", 100.0 * api_rate / bare_rate);
    for (k, (idle, now, peak)) in rss.iter().enumerate() {
        println!("server {} rss: idle {idle:.0} MiB, after {now:.0} MiB, peak {peak:.0} MiB", k + 1);
    }
    drop(scratch);
}
