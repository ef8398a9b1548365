//! Forecast benchmark: a catalogue of `--products` products with `--days` days of daily
//! history, the analytics refresh that prepares their forecasts, and the cost of a
//! forecast served from what the refresh prepared, computed for a past `as_of`, and of the
//! accuracy report.
//!
//! The daily totals (`sales_daily`, `product_sales_daily`) are written directly, as the
//! sync would leave them, so two years of 10,000 products (7.3 million product-days) load
//! in a minute instead of an hour of sales; the refresh reads only those totals for its
//! forecasts. Seven in ten products sell every day (a level of 1-20 units with busier
//! weekends), three in ten on some days only.
//!
//! Every product has a stock level, lead time and unit cost (some a pack size and a minimum
//! order), and one in twenty was out of stock for two weeks a month ago (synced then), so the
//! refresh also computes the reorder list over the whole catalogue with stock-outs left out;
//! then a products sync changes every tenth product's stock and the list is recomputed from
//! the prepared forecasts.
//!
//! With `--events N` the calendar also holds N event identities over the history and the
//! coming months, shaped like a busy shop's (crm-analytics' `examples/calendar`, the same
//! calendar as its `event_cost` example), added through the service as the API adds them:
//! what the calendar's size costs the refresh's forecasts and a computed forecast.
//!
//! `cargo run --release -p crm-service --example demand_bench -- --products 10000 --days 730 [--events 5000]`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is the report")]

use chrono::{Datelike, Days, Utc};
use clap::Parser;
use crm_domain::{ProductFields, StoreZone};
use crm_service::{AnalyticsConfig, Budget, ForecastRequest, ForecastTarget, Received, Service, ServiceLimits};
use crm_storage::{Database, DbOptions};
use std::sync::Arc;
use std::time::Instant;

#[path = "../../analytics/examples/calendar/mod.rs"]
mod calendar;

#[derive(Debug, Parser)]
struct Args {
    /// Products in the catalogue.
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    /// Days of history, ending yesterday.
    #[arg(long, default_value_t = 730)]
    days: u64,
    /// Event identities in the calendar.
    #[arg(long, default_value_t = 0)]
    events: u64,
    /// Where the database is written (default: a temporary directory).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

/// A deterministic generator (a linear congruential one), uniform in 0..1.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let args = Args::parse();
    let temp = tempfile::tempdir().unwrap();
    let dir = args.dir.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("forecast.sqlite");
    let _ = std::fs::remove_file(&path);
    let db = Arc::new(Database::open(&path, DbOptions::default()).unwrap());
    let service = Service::new(db.clone(), StoreZone::UTC, AnalyticsConfig::default(), ServiceLimits::default());

    let started = Instant::now();
    let codes: Vec<String> = (0..args.products).map(|i| format!("P{i:05}")).collect();
    let today = Utc::now().date_naive();
    let mut stock_noise = Noise(7);
    let entry = |i: usize, id: &str, stock: i64| ProductFields {
        id: id.to_owned(),
        name: format!("Product {id}"),
        stock_on_hand: Some(stock),
        lead_time_days: Some(1 + (i % 14) as i64),
        pack_size: i.is_multiple_of(3).then_some(6),
        min_order_quantity: i.is_multiple_of(5).then_some(24),
        unit_cost: Some(0.5 + (i % 40) as f64 * 0.25),
        ..ProductFields::default()
    };
    let levels: Vec<i64> = codes.iter().map(|_| (stock_noise.next() * 300.0) as i64).collect();
    let sync_at = |day: chrono::NaiveDate, batch: Vec<Received<ProductFields>>| {
        for chunk in batch.chunks(10_000) {
            service.sync_products(chunk.to_vec(), day.and_hms_opt(12, 0, 0).unwrap().and_utc()).unwrap();
        }
    };
    let all = |levels: &[i64]| codes.iter().enumerate().map(|(i, id)| Ok(entry(i, id, levels[i]))).collect();
    let every_20th = |stock: i64| {
        codes.iter().enumerate().filter(|(i, _)| i.is_multiple_of(20)).map(|(i, id)| Ok(entry(i, id, stock))).collect()
    };
    sync_at(today - Days::new(args.days.min(60)), all(&levels));
    sync_at(today - Days::new(30), every_20th(0));
    sync_at(today - Days::new(16), every_20th(120));
    sync_at(today, all(&levels));
    let first = today - Days::new(args.days);
    let mut noise = Noise(42);
    let shape: Vec<(f64, f64)> = (0..args.products)
        .map(|i| {
            if i % 10 < 7 {
                (1.0 + 19.0 * noise.next(), 1.0)
            } else {
                (1.0 + 3.0 * noise.next(), 0.05 + 0.4 * noise.next())
            }
        })
        .collect();
    let mut store_rows = Vec::new();
    for day in first.iter_days().take_while(|d| *d < today) {
        let weekend = if day.weekday().number_from_monday() >= 6 { 1.5 } else { 1.0 };
        let mut rows = Vec::with_capacity(args.products);
        let (mut units_sum, mut revenue_sum) = (0i64, 0i64);
        for (code, &(level, chance)) in codes.iter().zip(&shape) {
            if noise.next() >= chance {
                continue;
            }
            let units = (level * weekend * (0.5 + noise.next())).round().max(1.0) as i64;
            units_sum += units;
            revenue_sum += units * 250;
            rows.push(format!("('{day}','{code}',{units},{},{})", units * 250, units.min(5)));
        }
        db.write(|conn| {
            for chunk in rows.chunks(5_000) {
                let sql = format!(
                    "INSERT INTO product_sales_daily (local_date, product_id, units, revenue_cents, sale_count) VALUES {}",
                    chunk.join(",")
                );
                conn.batch_execute(&sql)?;
            }
            Ok(())
        })
        .unwrap();
        let sales = (units_sum / 3).max(1);
        store_rows.push(format!("('{day}',{revenue_sum},{sales},{units_sum},0,0)"));
    }
    db.write(|conn| {
        let sql = format!(
            "INSERT INTO sales_daily (local_date, revenue_cents, sale_count, units, refund_count, refunded_cents) VALUES {}",
            store_rows.join(",")
        );
        conn.batch_execute(&sql)?;
        Ok(())
    })
    .unwrap();
    println!("loaded {} products x {} days in {:.1} s", args.products, args.days, started.elapsed().as_secs_f64());
    let started = Instant::now();
    let added = add_events(&service, args.events, first, today + Days::new(120));
    println!("added {} events ({} identities) in {:.1} s", added, args.events, started.elapsed().as_secs_f64());

    for run in 1..=3 {
        let started = Instant::now();
        service.refresh(None).unwrap();
        let stats = service.forecast_book().stats().unwrap();
        println!(
            "refresh {run}: {:.0} ms in all; forecasts and reorder list {:.0} ms ({} products), of which the reorder list {:.0} ms",
            started.elapsed().as_secs_f64() * 1e3,
            stats.took.as_secs_f64() * 1e3,
            stats.products,
            stats.reorder_took.as_secs_f64() * 1e3,
        );
    }
    let list = service.reorder().unwrap();
    let [order_now, enough, no_stock, no_history, discontinued] = list.counts().map(|(_, n)| n);
    println!(
        "reorder list: {} products: {order_now} to order now, {enough} enough, {no_stock} without stock data, {no_history} without sales, {discontinued} discontinued",
        list.items.len()
    );
    let started = Instant::now();
    for _ in 0..1_000 {
        assert!(service.reorder().unwrap().prepared);
    }
    println!("reorder list, prepared: {:.4} ms a request (1000 runs)", started.elapsed().as_secs_f64());
    let restocked: Vec<i64> =
        levels.iter().enumerate().map(|(i, l)| if i.is_multiple_of(10) { l + 100 } else { *l }).collect();
    for run in 1..=3 {
        sync_at(today, all(&restocked));
        let started = Instant::now();
        let list = service.reorder().unwrap();
        println!(
            "reorder list after a products sync {run}: {:.0} ms ({} products, from the prepared forecasts)",
            started.elapsed().as_secs_f64() * 1e3,
            list.items.len()
        );
    }

    let time = |label: &str, runs: usize, request: &dyn Fn(usize) -> ForecastRequest| {
        let started = Instant::now();
        for i in 0..runs {
            let forecast = service.forecast(request(i), &Budget::unlimited()).unwrap();
            assert!(match forecast.target {
                ForecastTarget::Store { revenue, .. } => !revenue.is_empty(),
                ForecastTarget::Product { units, .. } => !units.is_empty(),
            });
        }
        println!("{label}: {:.3} ms a request ({runs} runs)", started.elapsed().as_secs_f64() * 1e3 / runs as f64);
    };
    let product = |i: usize| Some(codes[(i * 7_919) % codes.len()].clone());
    let past = Some(today - Days::new(30));
    time("store, 90 days, prepared", 200, &|_| ForecastRequest { days: Some(90), ..ForecastRequest::default() });
    time("product, 90 days, prepared", 1_000, &|i| ForecastRequest {
        days: Some(90),
        product_id: product(i),
        ..ForecastRequest::default()
    });
    time("store, 28 days, as_of 30 days ago (computed)", 20, &|_| ForecastRequest {
        days: Some(28),
        as_of: past,
        ..ForecastRequest::default()
    });
    time("product, 28 days, as_of 30 days ago (computed)", 20, &|i| ForecastRequest {
        days: Some(28),
        product_id: product(i),
        as_of: past,
    });
    let started = Instant::now();
    let report = service.forecast_accuracy(None, &Budget::unlimited()).unwrap();
    println!(
        "accuracy report: {:.0} ms; revenue WAPE {:.3} (seasonal naive {:.3})",
        started.elapsed().as_secs_f64() * 1e3,
        report.revenue.as_ref().and_then(|a| a.wape).unwrap_or(f64::NAN),
        report.revenue.as_ref().and_then(|a| a.naive_wape).unwrap_or(f64::NAN),
    );
}

/// Adds `identities` made-up events between `first` and `until` (crm-analytics'
/// `examples/calendar`), with the store's default lead days; returns how many occurrences
/// were added.
fn add_events(service: &Service, identities: u64, first: chrono::NaiveDate, until: chrono::NaiveDate) -> usize {
    let made_up = calendar::made_up(usize::try_from(identities).unwrap(), first, until);
    for e in &made_up {
        let (name, date, end) = (format!("Event {}", e.event), e.first_day.to_string(), e.last_day.to_string());
        let fields = crm_domain::EventFields {
            event_type: e.event_type,
            name: &name,
            date: &date,
            end_date: Some(&end),
            impact_level: "medium",
            expected_demand_multiplier: Some(e.declared),
            ..crm_domain::EventFields::default()
        };
        service.add_event(&fields).unwrap();
    }
    made_up.len()
}
