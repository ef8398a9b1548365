//! Correctness on real data: the UCI "Online Retail" data set (a UK gift retailer,
//! 2010-12-01 to 2011-12-09), cleaned as usual, synced through the HTTP API, and checked
//! against a straightforward computation done here, independently of the server:
//! per-customer frequency, monetary value and purchase dates, every day's revenue, and the
//! most popular products.
//!
//! The data set is read from `tests/data/online_retail/online_retail.csv.gz` in the
//! repository (or `CRM_ONLINE_RETAIL_CSV`); tests/data/README.md gives its source and license.

use crate::support;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Europe::London;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::path::PathBuf;
use support::{App, cents, spawn_app_with, temp_dir};

pub(crate) struct Line {
    stock_code: String,
    description: String,
    quantity: i64,
    /// Unit price in ten-thousandths of a pound.
    price_e4: i64,
}

pub(crate) struct Invoice {
    id: i64,
    pub(crate) customer: i64,
    at: NaiveDateTime,
    lines: Vec<Line>,
}

impl Invoice {
    /// The receipt total: each line rounded half-up to the penny, then summed.
    fn total_cents(&self) -> i64 {
        self.lines.iter().map(|l| (l.quantity * l.price_e4 + 50) / 100).sum()
    }

    pub(crate) fn day(&self) -> NaiveDate {
        self.at.date()
    }
}

pub(crate) fn data_path() -> PathBuf {
    std::env::var_os("CRM_ONLINE_RETAIL_CSV").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/online_retail/online_retail.csv.gz")
    })
}

fn price_e4(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    assert!(fraction.len() <= 4, "price {text} has more than 4 decimals");
    whole.parse::<i64>().unwrap() * 10_000 + format!("{fraction:0<4}").parse::<i64>().unwrap()
}

/// Reads the data set and cleans it: no cancellations, no rows without a customer, no
/// non-positive quantity or price.
pub(crate) fn load_invoices() -> Vec<Invoice> {
    let path = data_path();
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("the Online Retail data set is needed at {} ({e})", path.display()));
    let mut reader = csv::Reader::from_reader(BufReader::new(flate2::read::GzDecoder::new(file)));
    let mut invoices: Vec<Invoice> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        let (invoice_no, customer) = (&r[0], r[6].trim());
        let quantity: i64 = r[3].parse().unwrap();
        let price = price_e4(r[5].trim());
        if invoice_no.starts_with('C') || customer.is_empty() || quantity <= 0 || price <= 0 {
            continue;
        }
        let line =
            Line { stock_code: r[1].trim().to_owned(), description: r[2].trim().to_owned(), quantity, price_e4: price };
        let at = NaiveDateTime::parse_from_str(&r[4], "%Y-%m-%d %H:%M:%S").unwrap();
        let slot = *index.entry(invoice_no.to_owned()).or_insert_with(|| {
            invoices.push(Invoice {
                id: invoice_no.parse().unwrap(),
                customer: customer.parse().unwrap(),
                at,
                lines: Vec::new(),
            });
            invoices.len() - 1
        });
        invoices[slot].lines.push(line);
    }
    invoices
}

fn sale_json(invoice: &Invoice) -> Value {
    let at = London.from_local_datetime(&invoice.at).earliest().unwrap();
    json!({
        "id": invoice.id,
        "customer_id": invoice.customer,
        "total_amount": invoice.total_cents() as f64 / 100.0,
        "created_at": at.to_rfc3339(),
        "items": invoice.lines.iter().map(|l| json!({
            "product_id": l.stock_code,
            "product_name": l.description,
            "quantity": l.quantity,
            "unit_price": l.price_e4 as f64 / 10_000.0,
        })).collect::<Vec<_>>(),
    })
}

fn post_ok(app: &App, path: &str, body: &Value) -> Value {
    let reply = app.post(path, body);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.body
}

#[test]
fn online_retail_analytics_match_an_independent_computation() {
    let invoices = load_invoices();
    // The published reference points of the cleaned data set.
    let lines: usize = invoices.iter().map(|i| i.lines.len()).sum();
    let mut customer_ids: Vec<i64> = invoices.iter().map(|i| i.customer).collect();
    customer_ids.sort_unstable();
    customer_ids.dedup();
    let exact_revenue_e4: i64 = invoices.iter().flat_map(|i| &i.lines).map(|l| l.quantity * l.price_e4).sum();
    assert_eq!((lines, invoices.len(), customer_ids.len()), (397_884, 18_532, 4_338));
    // Exactly GBP 8,911,407.904; published rounded to the penny as 8,911,407.90.
    assert_eq!((exact_revenue_e4 + 50) / 100, 891_140_790);

    let dir = temp_dir();
    // No scheduled refresh during the test: it would recompute as of today, not of the data's last day.
    let app = spawn_app_with(
        dir.path(),
        &["--timezone", "Europe/London", "--refresh-interval-secs", "86400", "--refresh-delay-secs", "3600"],
    );
    for chunk in customer_ids.chunks(5_000) {
        let customers: Vec<Value> =
            chunk.iter().map(|id| json!({"id": id, "name": format!("Customer {id}")})).collect();
        post_ok(&app, "/api/sync/customers", &json!({ "customers": customers }));
    }
    for chunk in invoices.chunks(1_000) {
        let body = json!({"sales": chunk.iter().map(sale_json).collect::<Vec<_>>()});
        assert_eq!(post_ok(&app, "/api/sync/sales", &body)["created"].as_u64(), Some(chunk.len() as u64));
    }
    let last_day = invoices.iter().map(Invoice::day).max().unwrap();
    let run = post_ok(&app, &format!("/api/analytics/refresh?as_of={last_day}"), &json!({}));
    assert_eq!(run["customers"], 4_338);

    check_daily_revenue(&app, &invoices);
    check_customers(&app, &invoices, &customer_ids);
    check_top_products(&app, &invoices, last_day);
}

/// Every day's revenue and sale count, against sums over the invoices.
pub(crate) fn check_daily_revenue(app: &App, invoices: &[Invoice]) {
    let mut expected: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for invoice in invoices {
        let day = expected.entry(invoice.day()).or_default();
        day.0 += invoice.total_cents();
        day.1 += 1;
    }
    let (first, last) = (*expected.keys().next().unwrap(), *expected.keys().last().unwrap());
    let trends = app.get(&format!("/api/analytics/trends?from={first}&to={last}")).body;
    let mut days_with_sales = 0;
    for point in trends["points"].as_array().unwrap() {
        let day: NaiveDate = point["period"].as_str().unwrap().parse().unwrap();
        let (revenue, count) = expected.get(&day).copied().unwrap_or((0, 0));
        assert_eq!((cents(&point["revenue"]), point["salesCount"].as_i64().unwrap()), (revenue, count), "{day}");
        days_with_sales += usize::from(count > 0);
    }
    assert_eq!(days_with_sales, expected.len());
    let total: i64 = expected.values().map(|d| d.0).sum();
    assert_eq!(cents(&trends["totals"]["revenue"]), total);
}

/// Frequency, monetary value and purchase dates of a sample of customers (every 10th,
/// plus the five with the most invoices), against the invoices.
pub(crate) fn check_customers(app: &App, invoices: &[Invoice], customer_ids: &[i64]) {
    let mut by_customer: HashMap<i64, Vec<&Invoice>> = HashMap::new();
    for invoice in invoices {
        by_customer.entry(invoice.customer).or_default().push(invoice);
    }
    let mut busiest: Vec<(usize, i64)> = by_customer.iter().map(|(c, v)| (v.len(), *c)).collect();
    busiest.sort_unstable_by(|a, b| b.cmp(a));
    let sample = customer_ids.iter().step_by(10).copied().chain(busiest.iter().take(5).map(|(_, c)| *c));
    for customer in sample {
        let mine = &by_customer[&customer];
        let card = app.get(&format!("/api/customers/{customer}/insights")).body;
        let spent: i64 = mine.iter().map(|i| i.total_cents()).sum();
        let first = mine.iter().map(|i| i.day()).min().unwrap();
        let last = mine.iter().map(|i| i.day()).max().unwrap();
        assert_eq!(card["visitCount"].as_u64(), Some(mine.len() as u64), "customer {customer}");
        assert_eq!(cents(&card["totalSpent"]), spent, "customer {customer}");
        assert_eq!(card["firstPurchase"].as_str(), Some(first.to_string().as_str()), "customer {customer}");
        assert_eq!(card["lastPurchase"]["date"].as_str(), Some(last.to_string().as_str()), "customer {customer}");
        let rfm = &card["rfm"];
        for score in ["recency", "frequency", "monetary"] {
            assert!((1..=5).contains(&rfm[score].as_i64().unwrap()), "customer {customer}: {rfm}");
        }
    }
    let segments = app.get("/api/analytics/segments").body["segments"].clone();
    let total: i64 = ["prospect", "new", "regular", "vip"].iter().map(|s| segments[s].as_i64().unwrap()).sum();
    assert_eq!(total, 4_338);
}

/// The ten most popular products: units and line revenue weighted by 0.5^(age/14 days)
/// over the 180 days before the last day, scored half on units and half on revenue.
pub(crate) fn check_top_products(app: &App, invoices: &[Invoice], last_day: NaiveDate) {
    let mut decayed: HashMap<&str, (f64, f64)> = HashMap::new();
    for invoice in invoices {
        let age = (last_day - invoice.day()).num_days();
        if age > 180 {
            continue;
        }
        let weight = 0.5_f64.powf(age as f64 / 14.0);
        for line in &invoice.lines {
            let entry = decayed.entry(&line.stock_code).or_default();
            entry.0 += weight * line.quantity as f64;
            entry.1 += weight * ((line.quantity * line.price_e4 + 50) / 100) as f64;
        }
    }
    let max_units = decayed.values().map(|v| v.0).fold(0.0, f64::max);
    let max_revenue = decayed.values().map(|v| v.1).fold(0.0, f64::max);
    let mut scored: Vec<(f64, &str)> =
        decayed.iter().map(|(p, (u, r))| (50.0 * u / max_units + 50.0 * r / max_revenue, *p)).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let expected: Vec<&str> = scored.iter().take(10).map(|(_, p)| *p).collect();

    let products = app.get("/api/analytics/products?limit=10").body;
    let ranked: Vec<&str> =
        products["products"].as_array().unwrap().iter().map(|p| p["productId"].as_str().unwrap()).collect();
    assert_eq!(ranked, expected);
    for (product, (score, _)) in products["products"].as_array().unwrap().iter().zip(&scored) {
        assert!((product["score"].as_f64().unwrap() - score).abs() < 1e-9, "{product}");
    }
}
