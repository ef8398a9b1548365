//! Prepared cards are exactly the cards read from the store: a generated shop (ties,
//! repeat purchases on one day, refunds, walk-ins, placeholders, receipt names, manual and
//! rule tags) is refreshed, and every customer's card is drawn both ways and compared.

use super::*;
use crate::ForecastBook;
use crate::card::read_card;
use crate::refresh::{AnalyticsConfig, refresh};
use chrono::{DateTime, Days, Duration, Utc};
use crm_analytics::purpose::PurposeRules;
use crm_domain::{
    Customer, CustomerId, Money, Product, ProductId, Sale, SaleId, SaleItem, SaleStatus, StoreZone, UnitPrice,
};
use crm_storage::{Change, Database, DbOptions, ingest};

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-12-20T18:00:00Z").unwrap().to_utc()
}

fn product_code(i: u64) -> ProductId {
    ProductId::parse(&format!("P{i:02}")).unwrap()
}

fn shop(db: &Database, dice: &mut Dice) {
    let customers: Vec<Customer> = (1..=120)
        .map(|id| Customer {
            id: CustomerId::try_from(id).unwrap(),
            name: format!("Customer {id}"),
            phone: None,
            email: None,
            address: None,
            notes: None,
            created_at: None,
        })
        .collect();
    db.write(|c| ingest::sync_customers(c, &customers, now())).unwrap();
    let categories = ["Baking", "Toys", "Tea", "Garden"];
    let products: Vec<Product> = (0..30)
        .map(|i| Product {
            id: product_code(i),
            name: format!("Product {i}"),
            category: Some(categories[(i % 4) as usize].to_owned()),
            stock_on_hand: None,
            lead_time_days: None,
            unit_cost: None,
            pack_size: None,
            min_order_quantity: None,
            discontinued: false,
        })
        .collect();
    db.write(|c| ingest::sync_products(c, &products, now(), now().date_naive())).unwrap();

    let mut sales = Vec::new();
    for id in 1..=2_500_i64 {
        // Many sales share an instant (ties broken by id) and many share a day.
        let created_at = now() - Duration::days(dice.roll(400) as i64) - Duration::hours(dice.roll(3) as i64);
        let customer = match dice.roll(10) {
            0 => None,
            _ => Some(CustomerId::try_from(1 + dice.roll(160) as i64).unwrap()),
        };
        let items: Vec<SaleItem> = (0..dice.roll(6))
            .map(|_| {
                let p = dice.roll(40);
                SaleItem {
                    product_id: product_code(p),
                    product_name: (dice.roll(3) == 0).then(|| format!("Receipt name {p}")),
                    category: None,
                    quantity: 1 + dice.roll(5) as i64,
                    unit_price: UnitPrice::from_ten_thousandths(100 * (1 + dice.roll(999) as i64)),
                }
            })
            .collect();
        let status = match dice.roll(20) {
            0 => SaleStatus::Refunded,
            1 => SaleStatus::Voided,
            _ => SaleStatus::Completed,
        };
        let mut sale = Sale::new(
            SaleId::try_from(id).unwrap(),
            Money::from_cents(100 + dice.roll(20_000) as i64),
            created_at,
            StoreZone::UTC,
        );
        sale.customer_id = customer;
        sale.status = status;
        sale.items = items;
        sales.push(sale);
    }
    for batch in sales.chunks(500) {
        db.write(|c| ingest::sync_sales(c, batch, now())).unwrap();
    }
    for customer in (1..=160).step_by(7) {
        let tags = vec![format!("tag{}", customer % 3), "regular-visitor".to_owned()];
        db.write(|c| crm_storage::reads::set_customer_tags(c, customer, &tags)).unwrap();
    }
}

/// Refreshes `db` as of `as_of` into `book`, the cards ranked for `today`.
fn refresh_as_of(db: &Database, book: &CardBook, config: &AnalyticsConfig, as_of: NaiveDate, today: NaiveDate) {
    let (forecasts, values) = (ForecastBook::default(), crate::value::ValueBook::default());
    refresh((db, "test"), config, (book, &forecasts, &values), &crate::SystemClock, as_of, today).unwrap();
}

fn config() -> AnalyticsConfig {
    AnalyticsConfig { purpose: PurposeRules::parse("Baking=party,Toys=gifts").unwrap(), ..AnalyticsConfig::default() }
}

fn assert_same_cards(db: &Database, book: &CardBook, today: NaiveDate, config: &AnalyticsConfig) {
    let (rules, gap) = (config.segments, config.default_gap_days);
    let mut prepared = 0;
    for id in (1..=170).map(|id| CustomerId::try_from(id).unwrap()) {
        let stored = db.read(|c| read_card(c, id, today, &rules, gap)).unwrap();
        // Drawn from its row in the store, then from the process's cache.
        let from_row = book.render((db, true), id, today, &rules, gap).unwrap();
        let from_cache = book.cached(id, today, &rules, gap);
        if let Some(card) = &from_row {
            prepared += 1;
            let stored = stored.as_ref().expect("a prepared card for a customer the store does not know");
            assert_eq!(card, stored, "customer {id}");
        }
        if book.stats().cached > 0 {
            assert_eq!(from_cache, from_row, "customer {id} from the cache");
        }
    }
    assert_eq!(prepared, 160, "every known customer has a prepared card");
}

#[test]
fn prepared_cards_equal_cards_read_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    shop(&db, &mut Dice(0x9E37_79B9_7F4A_7C15));
    let (book, config) = (CardBook::default(), config());
    let today = now().date_naive();
    refresh_as_of(&db, &book, &config, today, today);
    assert_same_cards(&db, &book, today, &config);

    // A refresh as of a past day still ranks the cards for today.
    refresh_as_of(&db, &book, &config, today - Days::new(90), today);
    assert_same_cards(&db, &book, today, &config);

    // Prepared cards are for the day they were made.
    let tomorrow = today + Days::new(1);
    let first = CustomerId::try_from(1).unwrap();
    assert!(book.render((&db, false), first, tomorrow, &config.segments, config.default_gap_days).unwrap().is_none());
    assert!(book.cached(first, tomorrow, &config.segments, config.default_gap_days).is_none());

    // One generation of rows is left: the one served.
    assert_eq!(card_rows(&db), 160);
}

#[test]
fn cards_gathered_in_many_passes_equal_cards_read_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    shop(&db, &mut Dice(0x2545_F491_4F6C_DD1D));
    // About 2,000 completed sales of known customers, 40 a pass: the most passes there are
    // (16), each customer's sales and lines gathered from the range theirs falls in.
    let config = AnalyticsConfig { card_pass_sales: 40, ..config() };
    let book = CardBook::default();
    let today = now().date_naive();
    refresh_as_of(&db, &book, &config, today, today);
    assert_same_cards(&db, &book, today, &config);
}

/// Rows of prepared cards in the store, every generation.
fn card_rows(db: &Database) -> i64 {
    use crm_storage::Query;
    use diesel::prelude::*;
    db.read(|c| Ok(crm_storage::schema::prepared_cards::table.count().get_result_in::<i64>(c)?)).unwrap()
}

#[test]
fn the_process_holds_no_more_cards_than_its_cache_and_the_rows_serve_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    shop(&db, &mut Dice(11));
    let (book, config) = (CardBook::with_cache(10), config());
    let today = now().date_naive();
    refresh_as_of(&db, &book, &config, today, today);
    assert_eq!(book.stats().cached, 0, "a refresh keeps no card in the process");
    assert_same_cards(&db, &book, today, &config);
    assert_eq!(book.stats().cards, 160);
    assert!(book.stats().cached <= 10, "{:?}", book.stats());
    // The last ones read are held; the first ones went and are read from their rows again.
    let (rules, gap) = (config.segments, config.default_gap_days);
    assert!(book.cached(cid(160), today, &rules, gap).is_some());
    assert!(book.cached(cid(1), today, &rules, gap).is_none());
    assert!(book.render((&db, false), cid(1), today, &rules, gap).unwrap().is_some());
}

#[test]
fn rows_an_earlier_run_left_are_never_served_and_go_with_the_next_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    shop(&db, &mut Dice(13));
    let config = config();
    let (rules, gap) = (config.segments, config.default_gap_days);
    let today = now().date_naive();
    let earlier = CardBook::default();
    refresh_as_of(&db, &earlier, &config, today, today);
    assert_eq!(card_rows(&db), 160);

    // A process started again has installed nothing: every card is read from the store.
    let book = CardBook::default();
    assert!(book.render((&db, false), cid(1), today, &rules, gap).unwrap().is_none());
    refresh_as_of(&db, &book, &config, today, today);
    assert_eq!(card_rows(&db), 160, "the earlier run's rows are gone");
    assert_same_cards(&db, &book, today, &config);
}

#[test]
fn a_marked_customer_or_product_is_left_to_the_store_until_the_next_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    shop(&db, &mut Dice(7));
    let (book, config) = (CardBook::default(), config());
    let (rules, gap) = (config.segments, config.default_gap_days);
    let today = now().date_naive();
    refresh_as_of(&db, &book, &config, today, today);

    let render = |id| book.render((&db, true), cid(id), today, &rules, gap).unwrap();
    assert!(render(5).is_some() && book.cached(cid(5), today, &rules, gap).is_some());
    mark(&db, &book, Change { customers: vec![5], ..Change::default() });
    assert!(render(5).is_none());
    assert!(book.cached(cid(5), today, &rules, gap).is_none(), "a marked card is not served from the cache either");
    assert!(render(6).is_some());

    // Relabelling a product leaves every card that names it to the store.
    let card = render(6).unwrap();
    let named = card.preferred_products[0].product_id.as_str().to_owned();
    mark(&db, &book, Change { products: vec![named], ..Change::default() });
    assert!(render(6).is_none());
    assert!(book.cached(cid(6), today, &rules, gap).is_none());

    refresh_as_of(&db, &book, &config, today, today);
    assert!(render(5).is_some() && render(6).is_some());
    assert_eq!(book.stats().changed_customers + book.stats().relabelled_products, 0);
}

/// Records `change` in the store's change log, as a write would, and marks it in `book`.
fn mark(db: &Database, book: &CardBook, change: Change) {
    let seq = db.write(|c| crm_storage::record_change(c, "test", &change)).unwrap().unwrap();
    book.changed(seq, &change.customers, &change.products);
}

fn cid(id: i64) -> CustomerId {
    CustomerId::try_from(id).unwrap()
}
