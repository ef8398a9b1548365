//! `crm-trends import --url`: an import through a running server's sync API.
//!
//! The file is read and checked here by the service's import, as it is straight into the
//! store; each batch then goes to `POST /api/sync/{customers,products,sales}`, where the
//! server checks it again by the same rules and writes it in one transaction, and text ids
//! go through the server's id map (`POST /api/sync/source-ids`). Wall-clock times are
//! read in the server's time zone (its health answer names it).

use chrono::{DateTime, Utc};
use crm_domain::{Customer, CustomerId, Product, Sale, StoreZone, SyncCounts};
use crm_service::{ImportTarget, SourceIds, SourceKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// The largest request body sent: batches with more bytes go in several requests (each all
/// or nothing). The server takes 32 MiB unless told otherwise.
const MAX_BODY_BYTES: usize = 8 << 20;
/// Most records in one request (the server's own limit is 10,000 unless told otherwise).
const MAX_RECORDS: usize = 2_000;
/// How often a busy answer (429, 503) is tried again, and the longest wait between.
const RETRIES: u32 = 6;
const MAX_WAIT: Duration = Duration::from_secs(30);

/// A running server, as an import's target.
pub struct Remote {
    agent: ureq::Agent,
    base: String,
    key: Option<String>,
    zone: StoreZone,
}

impl Remote {
    /// Checks that `url` is a crm-trends server that answers, and reads its time zone.
    pub fn connect(url: &str, key: Option<String>) -> anyhow::Result<Self> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            anyhow::bail!("--url {url}: give the server's address as http://HOST:PORT (or https://)");
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        let mut remote = Self { agent, base, key, zone: StoreZone::UTC };
        let health = remote.call("GET", "/api/health", None).map_err(anyhow::Error::msg)?;
        let zone = health.get("timeZone").and_then(Value::as_str).ok_or_else(|| {
            anyhow::anyhow!("{url} answered /api/health without a time zone: is it a crm-trends server?")
        })?;
        remote.zone = StoreZone::parse(zone).map_err(|e| anyhow::anyhow!("the server's time zone {zone:?}: {e}"))?;
        Ok(remote)
    }

    /// Sends one request (`body`: JSON text); the answer's JSON, or why there is none (a
    /// problem+json's detail with the records and fields it names). Busy answers (429,
    /// 503) are tried again after the wait they ask for.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            let response = match body {
                None => self.with_key(self.agent.get(&url)).call(),
                Some(body) => self
                    .with_key(self.agent.post(&url))
                    .header("Content-Type", "application/json")
                    .send(body.as_bytes()),
            };
            let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
            let status = response.status().as_u16();
            if (status == 429 || status == 503) && attempt < RETRIES {
                attempt += 1;
                let asked = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                std::thread::sleep(asked.unwrap_or(Duration::from_millis(500 << attempt)).min(MAX_WAIT));
                continue;
            }
            let text = response.body_mut().read_to_string().map_err(|e| format!("{method} {url}: {e}"))?;
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if (200..300).contains(&status) {
                return Ok(answer);
            }
            return Err(format!("{method} {url}: {status} {}", problem(&answer, &text)));
        }
    }

    fn with_key<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.key {
            Some(key) => request.header("Authorization", &format!("Bearer {key}")),
            None => request,
        }
    }

    /// Sends `records` (each a JSON object's text) to `path` as the array `field`, in as
    /// few requests as the limits allow; the counts summed. A failure says which requests
    /// went through.
    fn sync(&self, path: &str, field: &str, records: Vec<String>) -> Result<SyncCounts, String> {
        let total = records.len();
        let mut counts = SyncCounts::default();
        let (mut sent, mut requests) = (0, 0);
        let mut send = |chunk: &[String]| -> Result<(), String> {
            if chunk.is_empty() {
                return Ok(());
            }
            let body = format!("{{\"{field}\":[{}]}}", chunk.join(","));
            match self.call("POST", path, Some(&body)) {
                Ok(answer) => {
                    let read = |name: &str| answer.get(name).and_then(Value::as_u64).unwrap_or(0) as usize;
                    counts.received += read("received");
                    counts.created += read("created");
                    counts.updated += read("updated");
                    counts.unchanged += read("unchanged");
                    sent += chunk.len();
                    requests += 1;
                    Ok(())
                }
                Err(error) if requests == 0 => Err(format!("none of it was written: {error}")),
                Err(error) => Err(format!(
                    "its first {sent} of {total} records were stored ({requests} requests, each all or nothing), \
                     the rest not: {error}"
                )),
            }
        };
        let mut start = 0;
        let mut bytes = 0;
        for (i, record) in records.iter().enumerate() {
            if i > start && (i - start >= MAX_RECORDS || bytes + record.len() + 1 > MAX_BODY_BYTES) {
                send(&records[start..i])?;
                (start, bytes) = (i, 0);
            }
            bytes += record.len() + 1;
        }
        send(&records[start..])?;
        Ok(counts)
    }
}

/// A problem+json's detail with the records and fields it names, or the body's text.
fn problem(answer: &Value, text: &str) -> String {
    let Some(detail) = answer.get("detail").and_then(Value::as_str) else {
        return text.chars().take(300).collect();
    };
    let errors: Vec<String> = answer
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .take(5)
                .map(|e| {
                    let at = e.get("index").and_then(Value::as_u64).map(|i| format!("record {i} ")).unwrap_or_default();
                    let field = e.get("field").and_then(Value::as_str).unwrap_or("?");
                    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
                    format!("{at}{field}: {message}")
                })
                .collect()
        })
        .unwrap_or_default();
    if errors.is_empty() { detail.to_owned() } else { format!("{detail} ({})", errors.join("; ")) }
}

/// An object of the fields that have a value.
fn object(fields: Vec<(&str, Value)>) -> Value {
    let map: Map<String, Value> =
        fields.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.to_owned(), v)).collect();
    Value::Object(map)
}

fn customer(c: &Customer, tags: Option<&Vec<String>>) -> Value {
    object(vec![
        ("id", json!(c.id.get())),
        ("name", json!(c.name)),
        ("phone", json!(c.phone)),
        ("email", json!(c.email)),
        ("address", json!(c.address)),
        ("notes", json!(c.notes)),
        ("created_at", json!(c.created_at.map(|t| t.to_rfc3339()))),
        ("tags", json!(tags)),
    ])
}

fn product(p: &Product) -> Value {
    object(vec![
        ("id", json!(p.id.as_str())),
        ("name", json!(p.name)),
        ("category", json!(p.category)),
        ("stock_on_hand", json!(p.stock_on_hand)),
        ("lead_time_days", json!(p.lead_time_days)),
        ("unit_cost", json!(p.unit_cost.map(|c| c.to_decimal()))),
        ("pack_size", json!(p.pack_size)),
        ("min_order_quantity", json!(p.min_order_quantity)),
        ("discontinued", json!(p.discontinued)),
    ])
}

fn sale(s: &Sale) -> Value {
    let items: Vec<Value> = s
        .items
        .iter()
        .map(|l| {
            object(vec![
                ("product_id", json!(l.product_id.as_str())),
                ("product_name", json!(l.product_name)),
                ("category", json!(l.category)),
                ("quantity", json!(l.quantity)),
                ("unit_price", json!(l.unit_price.to_decimal())),
            ])
        })
        .collect();
    object(vec![
        ("id", json!(s.id.get())),
        ("customer_id", json!(s.customer_id.map(CustomerId::get))),
        ("total_amount", json!(s.total.to_decimal())),
        ("created_at", json!(s.created_at().to_rfc3339())),
        ("status", json!(s.status.as_str())),
        ("store_id", json!(s.store_id)),
        ("payment_method", json!(s.payment_method)),
        ("items", json!(items)),
    ])
}

impl ImportTarget for Remote {
    fn zone(&self) -> StoreZone {
        self.zone
    }

    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn source_ids(&self, kind: SourceKind, sources: &[String], assign: bool) -> Result<SourceIds, String> {
        let body = json!({ "kind": kind.as_str(), "sourceIds": sources, "assign": assign }).to_string();
        let answer = self.call("POST", "/api/sync/source-ids", Some(&body))?;
        let ids: Vec<Option<i64>> = answer
            .get("ids")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().map(Value::as_i64).collect())
            .filter(|ids: &Vec<Option<i64>>| ids.len() == sources.len())
            .ok_or_else(|| format!("the server's id map answered {answer}"))?;
        Ok(SourceIds { ids, lowest: answer.get("lowestId").and_then(Value::as_i64) })
    }

    fn store_customers(
        &self,
        customers: &[Customer],
        tags: &[(CustomerId, Vec<String>)],
    ) -> Result<SyncCounts, String> {
        let tags: HashMap<CustomerId, &Vec<String>> = tags.iter().map(|(id, t)| (*id, t)).collect();
        let records = customers.iter().map(|c| customer(c, tags.get(&c.id).copied()).to_string()).collect();
        self.sync("/api/sync/customers", "customers", records)
    }

    fn store_products(&self, products: &[Product]) -> Result<SyncCounts, String> {
        self.sync("/api/sync/products", "products", products.iter().map(|p| product(p).to_string()).collect())
    }

    fn store_sales(&self, sales: &[Sale]) -> Result<SyncCounts, String> {
        self.sync("/api/sync/sales", "sales", sales.iter().map(|s| sale(s).to_string()).collect())
    }
}
