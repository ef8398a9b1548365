//! `crm-trends demo`: fills the configured database with a realistic, generated shop so the
//! dashboard and every endpoint have something to show, through the service layer (the same
//! validation and ingest as the API).
//!
//! What it generates, deterministically for a seed, with the last day today:
//! - a catalogue of 48 products in 8 categories, with prices, costs, lead times, packs and
//!   minimum orders; stock levels synced at the end so that some products need reordering,
//!   two are discontinued, two have no stock level, and two were out of stock for ten days
//!   six weeks ago (synced then, and selling nothing meanwhile);
//! - customers whose visits follow a heavy-tailed (Pareto) propensity, and walk-in sales;
//! - sales with a weekly rhythm, growth over the period, a winter season, and festival
//!   spikes on the calendar's events, which are generated for every year of the period (so
//!   the forecast learns their effects from past occurrences; each event's true effect
//!   differs from the multiplier it declares) and for the coming two months;
//! - one to several lines per sale, the product mix leaning to each festival's categories;
//!   a few refunded and voided sales.
//!
//! It refuses a database that holds data unless `--force` (its records then upsert by id
//! over what is there), and a database a running server holds: the server's prepared
//! insight cards and forecasts would go stale.

use crate::config::DemoOptions;
use crate::lock::LockError;
use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use crm_domain::{CustomerFields, EventFields, ProductFields, SaleFields, SaleLineFields, SaleStatus};
use crm_service::{AnalyticsConfig, FixedClock, Service, ServiceLimits};
use crm_storage::{Database, DbOptions, Location};
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;
use std::collections::HashMap;
use std::sync::Arc;

/// Records per sync batch.
const BATCH: usize = 5_000;

/// A product of the demo catalogue: code, name, category, price.
struct Item {
    code: String,
    name: &'static str,
    category: &'static str,
    price: f64,
    /// Relative popularity.
    weight: f64,
}

/// The catalogue: 8 categories of 6 products, priced in the store's currency.
const CATALOGUE: [(&str, [(&str, f64); 6]); 8] = [
    (
        "Tea",
        [
            ("Assam tea 250 g", 6.5),
            ("Darjeeling tea 100 g", 9.0),
            ("Green tea 20 bags", 3.2),
            ("Masala chai 250 g", 7.4),
            ("Earl Grey 50 bags", 4.8),
            ("Chamomile 20 bags", 3.6),
        ],
    ),
    (
        "Coffee",
        [
            ("Espresso beans 500 g", 12.9),
            ("Filter coffee 250 g", 6.9),
            ("Decaf 250 g", 7.5),
            ("Instant coffee 200 g", 8.2),
            ("Cold brew 1 l", 5.5),
            ("Coffee filters 100", 2.4),
        ],
    ),
    (
        "Bakery",
        [
            ("Sourdough loaf", 4.2),
            ("Croissant", 1.6),
            ("Rye bread", 3.8),
            ("Cinnamon roll", 2.3),
            ("Baguette", 2.1),
            ("Muffin", 2.0),
        ],
    ),
    (
        "Sweets",
        [
            ("Kaju katli 250 g", 8.9),
            ("Gulab jamun 500 g", 6.4),
            ("Dark chocolate 100 g", 2.9),
            ("Truffle box", 14.5),
            ("Toffee bag", 3.3),
            ("Ladoo box", 9.8),
        ],
    ),
    (
        "Gifts",
        [
            ("Gift hamper", 39.0),
            ("Scented candle", 12.0),
            ("Greeting card", 2.5),
            ("Gift wrap roll", 3.0),
            ("Photo frame", 15.0),
            ("Tea gift set", 24.0),
        ],
    ),
    (
        "Home",
        [
            ("Clay diya set", 5.5),
            ("String lights", 11.0),
            ("Ceramic mug", 7.0),
            ("Table runner", 16.0),
            ("Incense sticks", 2.2),
            ("Glass jar", 4.5),
        ],
    ),
    (
        "Dairy",
        [
            ("Milk 1 l", 1.2),
            ("Butter 250 g", 2.6),
            ("Paneer 200 g", 3.1),
            ("Yoghurt 500 g", 1.9),
            ("Cream 200 ml", 1.7),
            ("Ghee 500 g", 8.5),
        ],
    ),
    (
        "Snacks",
        [
            ("Salted cashews 200 g", 5.9),
            ("Namkeen mix 400 g", 3.4),
            ("Potato chips", 1.8),
            ("Trail mix 300 g", 4.6),
            ("Rice crackers", 2.2),
            ("Popcorn", 1.5),
        ],
    ),
];

const FIRST_NAMES: [&str; 24] = [
    "Aarav", "Aisha", "Ben", "Chen", "Diya", "Elena", "Farah", "Gabriel", "Hana", "Ishaan", "Jonas", "Kavya", "Leila",
    "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rohan", "Sofia", "Tariq", "Uma", "Victor", "Zara",
];
const LAST_NAMES: [&str; 20] = [
    "Sharma", "Okafor", "Müller", "Rossi", "Nguyen", "García", "Patel", "Kowalski", "Haddad", "Silva", "Tanaka",
    "Dubois", "Iyer", "Novak", "Jensen", "Mensah", "Costa", "Khan", "Larsen", "Reyes",
];

/// A calendar event the demo declares, and what it really does to sales.
struct Festival {
    name: &'static str,
    event_type: &'static str,
    impact: &'static str,
    /// The multiplier the event declares.
    declared: f64,
    /// What it does to the day's sales (0: the shop is closed).
    actual: f64,
    /// Days it lasts.
    days: u64,
    /// Days of build-up before it, and their lift.
    lead_days: u64,
    build_up: f64,
    /// Categories that sell more during it.
    favours: &'static [&'static str],
    /// Its first day in a year, if it falls in that year.
    date: fn(i32) -> Option<NaiveDate>,
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Diwali's main day (Lakshmi Puja), from published calendars.
fn diwali(year: i32) -> Option<NaiveDate> {
    match year {
        2022 => ymd(2022, 10, 24),
        2023 => ymd(2023, 11, 12),
        2024 => ymd(2024, 11, 1),
        2025 => ymd(2025, 10, 21),
        2026 => ymd(2026, 11, 8),
        2027 => ymd(2027, 10, 29),
        2028 => ymd(2028, 10, 17),
        2029 => ymd(2029, 11, 5),
        2030 => ymd(2030, 10, 26),
        _ => None,
    }
}

/// The day after the fourth Thursday of November.
fn black_friday(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)?.succ_opt()
}

const FESTIVALS: [Festival; 7] = [
    Festival {
        name: "New Year's Day",
        event_type: "holiday",
        impact: "high",
        declared: 0.0,
        actual: 0.0,
        days: 1,
        lead_days: 0,
        build_up: 1.0,
        favours: &[],
        date: |y| ymd(y, 1, 1),
    },
    Festival {
        name: "Valentine's Day",
        event_type: "promotion",
        impact: "medium",
        declared: 1.3,
        actual: 1.6,
        days: 1,
        lead_days: 3,
        build_up: 1.15,
        favours: &["Gifts", "Sweets"],
        date: |y| ymd(y, 2, 14),
    },
    Festival {
        name: "Summer Sale",
        event_type: "promotion",
        impact: "medium",
        declared: 1.3,
        actual: 1.4,
        days: 7,
        lead_days: 0,
        build_up: 1.0,
        favours: &["Home", "Coffee"],
        date: |y| ymd(y, 7, 10),
    },
    Festival {
        name: "Diwali",
        event_type: "festival",
        impact: "high",
        declared: 1.8,
        actual: 2.3,
        days: 1,
        lead_days: 5,
        build_up: 1.35,
        favours: &["Sweets", "Home", "Gifts"],
        date: diwali,
    },
    Festival {
        name: "Black Friday",
        event_type: "promotion",
        impact: "high",
        declared: 2.0,
        actual: 1.7,
        days: 1,
        lead_days: 0,
        build_up: 1.0,
        favours: &["Gifts", "Coffee"],
        date: black_friday,
    },
    Festival {
        name: "Christmas Eve",
        event_type: "holiday",
        impact: "high",
        declared: 1.6,
        actual: 1.9,
        days: 1,
        lead_days: 7,
        build_up: 1.25,
        favours: &["Gifts", "Bakery", "Sweets"],
        date: |y| ymd(y, 12, 24),
    },
    Festival {
        name: "Christmas Day",
        event_type: "holiday",
        impact: "high",
        declared: 0.0,
        actual: 0.0,
        days: 1,
        lead_days: 0,
        build_up: 1.0,
        favours: &[],
        date: |y| ymd(y, 12, 25),
    },
];

/// How a day's sales are shaped by the calendar.
#[derive(Clone, Copy)]
struct DayShape {
    /// Multiplier on the day's sale count.
    lift: f64,
    /// The festival whose categories sell more, if any.
    favours: &'static [&'static str],
}

/// What was generated, for the summary line.
pub struct Summary {
    pub customers: usize,
    pub products: usize,
    pub sales: usize,
    pub events: usize,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub to_reorder: usize,
}

/// Runs `crm-trends demo`.
pub fn run(options: &DemoOptions) -> anyhow::Result<()> {
    let location = &options.database_url;
    let _held = match location {
        Location::Sqlite(path) => Some(crate::lock::hold(path).map_err(|e| match e {
            LockError::Taken(_) => anyhow::anyhow!(
                "{e}: a running crm-trends server holds {}; stop it first (its prepared insight cards and forecasts would go stale)",
                path.display()
            ),
            LockError::Io { .. } => anyhow::Error::new(e),
        })?),
        Location::Postgres(_) => None,
    };
    let db = Database::connect(location, DbOptions::for_command())
        .with_context(|| format!("opening database {location}"))?;
    let counts = db.read(crm_storage::table_counts).context("reading the database's contents")?;
    if !options.force && counts.customers + counts.sales + counts.products + counts.calendar_events > 0 {
        bail!(
            "{} already holds data ({} customers, {} sales, {} products, {} calendar events); pass --force to add the demo's records to it (they upsert by id over what is there)",
            location,
            counts.customers,
            counts.sales,
            counts.products,
            counts.calendar_events
        );
    }
    let mut service =
        Service::new(Arc::new(db), options.timezone, AnalyticsConfig::default(), ServiceLimits::default());
    if let Some(today) = options.today {
        // Noon of that day in the store's time zone: the generated shop, its sync times and
        // its refresh all see that day as today.
        let noon = options.timezone.noon(today);
        service = service.with_clock(Arc::new(FixedClock::new(noon)));
    }
    let zone: chrono_tz::Tz = options.timezone.name().parse().context("the store's time zone")?;
    let summary = generate(&service, options, zone, service.now())?;
    println!(
        "demo: {} customers, {} products, {} sales from {} to {}, {} calendar events; {} products to reorder now",
        summary.customers,
        summary.products,
        summary.sales,
        summary.first,
        summary.last,
        summary.events,
        summary.to_reorder
    );
    println!("demo: start the server (crm-trends serve) and open http://127.0.0.1:3001/");
    Ok(())
}

/// Generates and stores the shop as of `now`.
pub fn generate(
    service: &Service,
    options: &DemoOptions,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<Summary> {
    let mut rng = XorShiftRng::seed_from_u64(options.seed);
    let today = service.zone().today(now);
    let first = today - Days::new(u64::from(options.days) - 1);
    let at = |day: NaiveDate, time: NaiveTime| -> DateTime<Utc> {
        let local = day.and_time(time);
        // In a daylight-saving gap, an hour later exists.
        zone.from_local_datetime(&local)
            .earliest()
            .or_else(|| zone.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    };
    let noon = |day: NaiveDate| at(day, NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());

    // The catalogue: popularity falls off like a Zipf law within the shop.
    let mut items: Vec<Item> = Vec::new();
    for (c, (category, products)) in CATALOGUE.iter().enumerate() {
        for (p, (name, price)) in products.iter().enumerate() {
            let rank = (items.len() * 7 + 3) % 48 + 1;
            items.push(Item {
                code: format!("{}{:02}", &category[..3].to_uppercase(), p + 1),
                name,
                category,
                price: *price,
                weight: 1.0 / (rank as f64).powf(0.8) * if c == 2 || c == 6 { 1.6 } else { 1.0 },
            });
        }
    }
    let lead_time = |i: usize| 2 + (i * 5) % 13;
    let catalogue_entry = |i: usize, item: &Item, stock: Option<i64>| ProductFields {
        id: item.code.clone(),
        name: item.name.to_owned(),
        category: Some(item.category.to_owned()),
        stock_on_hand: stock,
        lead_time_days: Some(lead_time(i) as i64),
        unit_cost: Some((item.price * 0.58 * 100.0).round() / 100.0),
        pack_size: [None, Some(6), Some(12), Some(24)][i % 4],
        min_order_quantity: i.is_multiple_of(5).then_some(24),
        discontinued: Some(i == 17 || i == 40),
    };
    let sync_products = |batch: Vec<ProductFields>, day: NaiveDate| -> anyhow::Result<()> {
        service
            .sync_products(batch.into_iter().map(Ok).collect(), noon(day))
            .map(|_| ())
            .with_context(|| format!("syncing the demo's catalogue as of {day}"))
    };
    sync_products(items.iter().enumerate().map(|(i, item)| catalogue_entry(i, item, Some(200))).collect(), first)?;

    // Customers: a Pareto propensity to visit (a few regulars, many occasional).
    let customers: Vec<CustomerFields> = (1..=options.customers)
        .map(|id| {
            let first_name = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last_name = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            // Most joined early on; one in ten in the last six weeks (new customers).
            let span = u64::from(options.days);
            let joined = if rng.random_bool(0.1) {
                today - Days::new(rng.random_range(0..span.min(42)))
            } else {
                first + Days::new(rng.random_range(0..span) / 2)
            };
            CustomerFields {
                id: i64::from(id),
                name: format!("{first_name} {last_name}"),
                phone: Some(format!("+1 555 01{:02} {:03}", id % 100, id % 997)),
                email: (id % 3 != 0).then(|| {
                    format!("{}.{}{id}@example.com", first_name.to_lowercase(), ascii(last_name).to_lowercase())
                }),
                created_at: Some(noon(joined).to_rfc3339()),
                ..CustomerFields::default()
            }
        })
        .collect();
    let propensity: Vec<f64> = (0..customers.len()).map(|_| (1.0 - rng.random::<f64>()).powf(-1.0 / 1.3)).collect();
    let joined: Vec<NaiveDate> = customers
        .iter()
        .map(|c| {
            c.created_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map_or(first, |t| t.date_naive())
        })
        .collect();
    for chunk in customers.chunks(BATCH) {
        service.sync_customers(chunk.iter().cloned().map(Ok).collect(), now).context("syncing the demo's customers")?;
    }

    // The calendar: each festival in every year of the period and the next two months.
    let horizon = today + Days::new(60);
    let mut shapes: HashMap<NaiveDate, DayShape> = HashMap::new();
    let mut events = 0;
    for year in first.year()..=horizon.year() {
        for festival in &FESTIVALS {
            let Some(start) = (festival.date)(year) else { continue };
            let end = start + Days::new(festival.days - 1);
            if end < first || start > horizon {
                continue;
            }
            let (date, last) = (start.to_string(), end.to_string());
            service
                .add_event(&EventFields {
                    event_type: festival.event_type,
                    name: festival.name,
                    date: &date,
                    end_date: (festival.days > 1).then_some(last.as_str()),
                    impact_level: festival.impact,
                    expected_demand_multiplier: Some(festival.declared),
                    notes: Some("demo data"),
                    lead_days: Some(festival.lead_days as i64),
                })
                .with_context(|| format!("adding the demo's {} of {year}", festival.name))?;
            events += 1;
            for d in start.iter_days().take(festival.days as usize) {
                shapes.insert(d, DayShape { lift: festival.actual, favours: festival.favours });
            }
            for back in 1..=festival.lead_days {
                let d = start - Days::new(back);
                shapes.entry(d).or_insert(DayShape { lift: festival.build_up, favours: festival.favours });
            }
        }
    }

    // Two products were out of stock for ten days six weeks ago.
    let stock_out = (today - Days::new(45), today - Days::new(35));
    let out_of_stock = [3usize, 26];

    // Each day's expected sales: growth, weekday, season and the calendar.
    let days: Vec<NaiveDate> = first.iter_days().take(options.days as usize).collect();
    let intensity: Vec<f64> = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let growth = 1.0 + 0.35 * i as f64 / days.len() as f64;
            let weekday = [0.85, 0.9, 0.95, 1.0, 1.15, 1.4, 0.75][day.weekday().num_days_from_monday() as usize];
            let season = 1.0 + 0.12 * (2.0 * std::f64::consts::PI * (f64::from(day.ordinal()) - 350.0) / 365.25).cos();
            growth * weekday * season * shapes.get(day).map_or(1.0, |s| s.lift)
        })
        .collect();
    let scale = options.sales as f64 / intensity.iter().sum::<f64>();
    let total_weight: f64 = items.iter().map(|i| i.weight).sum();
    let total_propensity: f64 = propensity.iter().sum();
    let opening = NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default();

    let mut sales: Vec<SaleFields> = Vec::new();
    let mut units_sold: Vec<Vec<i64>> = vec![Vec::new(); items.len()];
    for (d, day) in days.iter().enumerate() {
        let expected = intensity[d] * scale;
        let count = (expected + expected.sqrt() * normal(&mut rng)).round().max(0.0) as usize;
        let shape = shapes.get(day).copied();
        let mut sold_today = vec![0i64; items.len()];
        let mut times: Vec<u32> = (0..count).map(|_| rng.random_range(0..12 * 3600)).collect();
        times.sort_unstable();
        for seconds in times {
            let created = at(*day, opening + chrono::Duration::seconds(i64::from(seconds)));
            if created > now {
                break;
            }
            let customer = if rng.random_bool(0.3) {
                None
            } else {
                let mut pick = rng.random::<f64>() * total_propensity;
                let mut chosen = 0;
                for (i, p) in propensity.iter().enumerate() {
                    pick -= p;
                    if pick <= 0.0 {
                        chosen = i;
                        break;
                    }
                }
                (joined[chosen] <= *day).then_some(customers[chosen].id)
            };
            let lines = 1 + (rng.random::<f64>().ln() / 0.55f64.ln()).floor().clamp(0.0, 6.0) as usize;
            let mut basket: Vec<SaleLineFields> = Vec::new();
            for _ in 0..lines {
                let mut pick = rng.random::<f64>() * total_weight * 1.6;
                let mut chosen = items.len() - 1;
                for (i, item) in items.iter().enumerate() {
                    let boost = if shape.is_some_and(|s| s.favours.contains(&item.category)) { 3.0 } else { 1.0 };
                    pick -= item.weight * boost;
                    if pick <= 0.0 {
                        chosen = i;
                        break;
                    }
                }
                let stocked_out = out_of_stock.contains(&chosen) && (stock_out.0..stock_out.1).contains(day);
                if stocked_out || basket.iter().any(|l| l.product_id == items[chosen].code) {
                    continue;
                }
                let item = &items[chosen];
                let quantity =
                    if item.category == "Bakery" { rng.random_range(1..=6) } else { rng.random_range(1..=3) };
                sold_today[chosen] += quantity;
                basket.push(SaleLineFields {
                    product_id: item.code.clone(),
                    product_name: Some(item.name.to_owned()),
                    category: Some(item.category.to_owned()),
                    quantity,
                    unit_price: item.price,
                });
            }
            if basket.is_empty() {
                continue;
            }
            let cents: i64 = basket.iter().map(|l| (l.unit_price * 100.0).round() as i64 * l.quantity).sum();
            let roll = rng.random::<f64>();
            let status = if roll < 0.015 {
                SaleStatus::Refunded
            } else if roll < 0.02 {
                SaleStatus::Voided
            } else {
                SaleStatus::Completed
            };
            sales.push(SaleFields {
                id: sales.len() as i64 + 1,
                customer_id: customer,
                total_amount: cents as f64 / 100.0,
                created_at: created.to_rfc3339(),
                status,
                store_id: Some("main".to_owned()),
                payment_method: Some(
                    ["card", "card", "card", "cash", "cash", "mobile"][rng.random_range(0..6)].to_owned(),
                ),
                items: basket,
            });
        }
        for (i, units) in sold_today.into_iter().enumerate() {
            units_sold[i].push(units);
        }
    }
    for chunk in sales.chunks(BATCH) {
        service.sync_sales(chunk.iter().cloned().map(Ok).collect(), now).context("syncing the demo's sales")?;
    }

    // The stock-out, as the POS reported it: empty shelves, then a delivery.
    let entries = |stock: Option<i64>| -> Vec<ProductFields> {
        out_of_stock.iter().map(|&i| catalogue_entry(i, &items[i], stock)).collect()
    };
    if first < stock_out.0 {
        sync_products(entries(Some(0)), stock_out.0)?;
        sync_products(entries(Some(150)), stock_out.1)?;
    }

    // Today's stock: about four weeks of recent sales, some products short of their lead
    // time (they need reordering), two without a level.
    let levels: Vec<ProductFields> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let recent = &units_sold[i][units_sold[i].len().saturating_sub(28)..];
            let daily = recent.iter().sum::<i64>() as f64 / recent.len().max(1) as f64;
            let cover =
                if i % 6 == 1 { rng.random_range(0.0..lead_time(i) as f64) } else { rng.random_range(25.0..50.0) };
            let stock = (i != 11 && i != 33).then(|| (daily * cover).round() as i64);
            catalogue_entry(i, item, stock)
        })
        .collect();
    sync_products(levels, today)?;

    service.refresh(None).context("running the analytics refresh")?;
    let to_reorder = service.reorder().context("computing the reorder list")?.counts()[0].1;
    Ok(Summary {
        customers: customers.len(),
        products: items.len(),
        sales: sales.len(),
        events,
        first,
        last: today,
        to_reorder,
    })
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut XorShiftRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// `text` with its accented letters plain, for e-mail addresses.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' | 'ö' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}
