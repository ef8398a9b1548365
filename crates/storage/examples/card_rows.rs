//! What one prepared insight card costs to read as a single row of the store: the figure
//! issue 23's design starts from. A table of `--cards` cards (one row per customer keyed by
//! its id, `--bytes` of card each, about the size of the checkout card's JSON) is written in
//! one transaction, then read by random customer id from `--threads` threads through the
//! store's read pool (its default 4 read-only connections, 4 MiB of page cache each) for
//! `--secs` seconds. Prints reads per second, the latency percentiles of one read (the wait
//! for a pooled connection included), the file's size, and the process's peak resident
//! memory.
//!
//! `cargo run --release -p crm-storage --example card_rows -- [--cards 100000] [--bytes 700] [--threads 32] [--secs 10]`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is the report")]

use crm_storage::{Database, DbOptions, Query};
use diesel::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The benchmark's table of cards.
mod cards {
    diesel::table! {
        bench_cards (customer_id) {
            customer_id -> BigInt,
            card -> Binary,
        }
    }
}
use cards::bench_cards;

/// `--name value` from the command line, or `default`.
fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().expect(name))
}

/// The process's peak resident memory, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1));
    kib.and_then(|k| k.parse::<f64>().ok()).map_or(f64::NAN, |k| k / 1024.0)
}

fn main() {
    let (cards, bytes, threads, secs) =
        (arg("--cards", 100_000), arg("--bytes", 700), arg("--threads", 32), arg("--secs", 10));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cards.sqlite");
    let db = Arc::new(Database::open(&path, DbOptions::default()).unwrap());
    let started = Instant::now();
    db.write(|conn| {
        conn.batch_execute("CREATE TABLE bench_cards (customer_id INTEGER PRIMARY KEY, card BLOB NOT NULL)")?;
        let mut rows = Vec::with_capacity(1_000);
        for id in 1..=cards {
            // A card's bytes: varied, so that no two rows are alike.
            let card: Vec<u8> = (0..bytes).map(|i| b'a' + u8::try_from((id * 31 + i * 7) % 26).unwrap()).collect();
            rows.push((bench_cards::customer_id.eq(i64::try_from(id).unwrap()), bench_cards::card.eq(card)));
            if rows.len() == 1_000 {
                diesel::insert_into(bench_cards::table).values(&rows).execute_in(conn)?;
                rows.clear();
            }
        }
        diesel::insert_into(bench_cards::table).values(&rows).execute_in(conn)?;
        Ok(())
    })
    .unwrap();
    let file_mib = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1_048_576.0;
    println!(
        "wrote {cards} cards of {bytes} bytes in {:.1} s; file {file_mib:.0} MiB (the WAL aside); peak RSS {:.0} MiB",
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (db, stop) = (Arc::clone(&db), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ t;
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    let id = i64::try_from((seed >> 33) % cards + 1).unwrap();
                    let asked = Instant::now();
                    let card: Vec<u8> = db
                        .read(|conn| Ok(bench_cards::table.find(id).select(bench_cards::card).first_in(conn)?))
                        .unwrap();
                    latencies.push(asked.elapsed());
                    assert_eq!(card.len() as u64, bytes);
                }
                latencies
            })
        })
        .collect();
    let reading = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let elapsed = reading.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{threads} threads, {secs} s: {} reads, {:.0} a second; one read p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms; peak RSS {:.0} MiB",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.99),
        at(0.999),
        peak_rss_mib()
    );
}
