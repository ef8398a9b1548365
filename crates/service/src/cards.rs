//! Every customer's insight card, prepared by the analytics refresh and written into the
//! store, one compact row per customer; the process keeps only the cards in use (a bounded
//! cache), so its memory does not grow with the customer list.
//!
//! A prepared card is only used while it is exactly what reading the store would give:
//! - writes that change a card (a customer's sales, profile or manual tags, a product's name
//!   or category) record what they touched in the store's change log, in the same
//!   transaction, and mark it here after they commit and before they answer; other
//!   replicas mark it when they read the log (about a second later). A marked customer, or
//!   a card naming a marked product, is read from the store;
//! - each mark carries the change log's sequence number; a refresh reads the last number
//!   inside its snapshot, so its cards include exactly the changes up to it, and installing
//!   them clears those marks (later ones stay); a mark a refresh already covers is ignored;
//! - cards are ranked as of the day they were prepared; on another day they are not used;
//! - each refresh writes a new generation of rows while the last one is served, and the
//!   older rows are deleted once it is installed; rows of a generation this process did not
//!   install (left by an earlier run) are never read.

use crate::card::{
    CardFacts, InsightCard, LastSaleFacts, LineFacts, PAIRS_CONSIDERED, ProductLabels, RfmScores, numbered_pair,
    purchase_facts, render,
};
use chrono::NaiveDate;
use crm_analytics::basket::Pair;
use crm_analytics::customer::{BoughtLine, Purchase};
use crm_analytics::segments::SegmentRules;
use crm_domain::Segment;
use crm_domain::{CustomerAnalytics, CustomerId};
use crm_storage::{Conn, Database, InstalledCards, ProductPairRow, StorageError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// Cards kept in the process (the ones read most recently): about a kilobyte each.
pub const CARD_CACHE_CAPACITY: usize = 10_000;

/// Cards a refresh writes into the store per transaction: the writer is held for one batch
/// at a time, so a sync waits for at most one.
const CARDS_PER_WRITE: usize = 1_000;

/// Rows of older generations deleted per transaction after an install.
const CARDS_PER_DELETE: i64 = 5_000;

/// Completed sales one pass of [`prepare`] gathers by default, with their lines (about 60
/// bytes a sale at three lines each: some 12 MB), unless the store has more than
/// [`MOST_PASSES`] times as many.
pub(crate) const SALES_PER_PASS: i64 = 200_000;

/// Passes over the sales [`prepare`] makes at most: each reads the whole sales table, so
/// a store past `MOST_PASSES × SALES_PER_PASS` sales gathers more per pass instead.
const MOST_PASSES: i64 = 16;

/// The prepared cards and the marks of what changed since.
#[derive(Debug)]
pub struct CardBook {
    book: RwLock<Book>,
    cache: Mutex<CardCache>,
    /// Held by the refresh that is preparing the next cards: one at a time.
    refreshing: Mutex<()>,
}

impl Default for CardBook {
    fn default() -> Self {
        Self::with_cache(CARD_CACHE_CAPACITY)
    }
}

#[derive(Debug, Default)]
struct Book {
    cards: Option<PreparedCards>,
    changed_customers: HashMap<i64, i64>,
    relabelled_products: HashMap<String, i64>,
    /// Cards prepared from before this change log position are not installed (set when
    /// this process lost track of the log).
    floor: i64,
}

/// The cards of one refresh: which rows of the store hold them, and what they are read with.
#[derive(Debug)]
pub struct PreparedCards {
    /// The change log position the refresh read up to.
    sequence: i64,
    /// The store-local day the cards were ranked for.
    day: NaiveDate,
    /// The refresh's as-of day, shown on the cards.
    as_of: NaiveDate,
    labels: Arc<ProductLabels>,
    /// The rows' generation in the store.
    generation: i64,
    /// Cards written.
    count: usize,
}

/// The cards read most recently, at most `capacity`, all of one generation: two maps, the
/// newer filled until it holds half the capacity, when it becomes the older and the oldest
/// go. A card read from the older is moved to the newer, so cards in use stay.
#[derive(Debug)]
struct CardCache {
    generation: i64,
    newer: HashMap<i64, Arc<CardFacts>>,
    older: HashMap<i64, Arc<CardFacts>>,
    capacity: usize,
}

impl CardCache {
    fn get(&mut self, generation: i64, customer: i64) -> Option<Arc<CardFacts>> {
        if generation != self.generation {
            return None;
        }
        if let Some(facts) = self.newer.get(&customer) {
            return Some(Arc::clone(facts));
        }
        let facts = self.older.remove(&customer)?;
        self.put(generation, customer, Arc::clone(&facts));
        Some(facts)
    }

    fn put(&mut self, generation: i64, customer: i64, facts: Arc<CardFacts>) {
        if generation != self.generation {
            self.generation = generation;
            self.newer.clear();
            self.older.clear();
        }
        if self.capacity < 2 {
            return;
        }
        if self.newer.len() >= self.capacity / 2 {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(customer, facts);
    }

    fn len(&self) -> usize {
        self.newer.len() + self.older.len()
    }
}

/// Counts for the operator: prepared cards and pending marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardBookStats {
    /// Prepared cards.
    pub cards: usize,
    /// Prepared cards held in the process.
    pub cached: usize,
    /// Customers marked since.
    pub changed_customers: usize,
    /// Products marked since.
    pub relabelled_products: usize,
}

/// What a card is read with once the marks allow it.
struct Usable {
    generation: i64,
    labels: Arc<ProductLabels>,
    as_of: NaiveDate,
}

impl CardBook {
    /// A book keeping at most `capacity` cards in the process.
    pub fn with_cache(capacity: usize) -> Self {
        Self {
            book: RwLock::new(Book::default()),
            cache: Mutex::new(CardCache { generation: 0, newer: HashMap::new(), older: HashMap::new(), capacity }),
            refreshing: Mutex::new(()),
        }
    }

    /// Waits until no other refresh is running, and keeps others waiting until the guard
    /// is dropped.
    pub fn refreshing(&self) -> MutexGuard<'_, ()> {
        self.refreshing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks what change `seq` of the change log touched: customers whose card changed and
    /// products whose name or category changed (call after the write committed). Cards
    /// that already cover it keep being used.
    pub fn changed(&self, seq: i64, customers: &[i64], products: &[String]) {
        if customers.is_empty() && products.is_empty() {
            return;
        }
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        if book.cards.as_ref().is_some_and(|cards| cards.sequence >= seq) {
            return;
        }
        for &c in customers {
            let mark = book.changed_customers.entry(c).or_insert(seq);
            *mark = (*mark).max(seq);
        }
        for p in products {
            let mark = book.relabelled_products.entry(p.clone()).or_insert(seq);
            *mark = (*mark).max(seq);
        }
    }

    /// Refuses cards prepared from before change log position `position`, the one this
    /// process reads the log from: changes before it were never marked here.
    pub fn follows_from(&self, position: i64) {
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        book.floor = book.floor.max(position);
    }

    /// Stops using every prepared card, and refuses cards prepared from before change log
    /// position `floor`: for a process that lost track of the log (it could not read it for
    /// longer than entries are kept).
    pub fn forget(&self, floor: i64) {
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        book.cards = None;
        book.changed_customers.clear();
        book.relabelled_products.clear();
        book.floor = book.floor.max(floor);
    }

    /// Installs cards from a refresh, unless newer ones are in place, and clears the marks
    /// they cover. Returns the generation now served.
    pub fn install(&self, prepared: PreparedCards) -> Option<i64> {
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        if prepared.sequence < book.floor
            || book.cards.as_ref().is_some_and(|current| current.sequence > prepared.sequence)
        {
            return book.cards.as_ref().map(|c| c.generation);
        }
        let covered = prepared.sequence;
        book.changed_customers.retain(|_, mark| *mark > covered);
        book.relabelled_products.retain(|_, mark| *mark > covered);
        let generation = prepared.generation;
        book.cards = Some(prepared);
        Some(generation)
    }

    /// Whether generation `generation`, whose refresh read the change log up to
    /// `sequence`, read further than the cards served here (so [`adopt`](Self::adopt)
    /// would serve it).
    pub(crate) fn would_adopt(&self, generation: i64, sequence: i64) -> bool {
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        sequence >= book.floor
            && !book.cards.as_ref().is_some_and(|c| c.sequence >= sequence || c.generation == generation)
    }

    /// Serves the generation another replica installed (or this one, in an earlier run),
    /// when its refresh read further in the change log than the cards served here; returns
    /// whether it is served now. Marks of changes after it stay.
    pub(crate) fn adopt(&self, installed: InstalledCards) -> bool {
        if !self.would_adopt(installed.generation, installed.sequence) {
            return false;
        }
        let labels = match postcard::from_bytes::<ProductLabels>(&installed.labels) {
            Ok(labels) => Arc::new(labels),
            Err(error) => {
                log::warn!(
                    "generation {} of prepared cards could not be read ({error}): not served",
                    installed.generation
                );
                return false;
            }
        };
        let prepared = PreparedCards {
            sequence: installed.sequence,
            day: installed.ranked_for,
            as_of: installed.as_of,
            labels,
            generation: installed.generation,
            count: usize::try_from(installed.cards).unwrap_or(0),
        };
        self.install(prepared) == Some(installed.generation)
    }

    /// What the customer's card as of `today` is read with, when a prepared one is still
    /// exact as far as the customer's own marks go.
    fn usable(&self, customer: CustomerId, today: NaiveDate) -> Option<Usable> {
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        let prepared = book.cards.as_ref().filter(|p| p.day == today)?;
        if book.changed_customers.contains_key(&customer.get()) {
            return None;
        }
        Some(Usable { generation: prepared.generation, labels: Arc::clone(&prepared.labels), as_of: prepared.as_of })
    }

    /// The card drawn from `facts`, unless a product it names was relabelled since.
    fn draw(
        &self,
        customer: CustomerId,
        facts: &CardFacts,
        usable: &Usable,
        (today, rules, default_gap): (NaiveDate, &SegmentRules, f64),
    ) -> Option<InsightCard> {
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        if !book.relabelled_products.is_empty()
            && facts.products().any(|p| book.relabelled_products.contains_key(usable.labels.code(p)))
        {
            return None;
        }
        drop(book);
        Some(render(customer, facts, &usable.labels, today, rules, default_gap, Some(usable.as_of)))
    }

    /// The customer's card as of `today` when a prepared one is still exact and held in the
    /// process (no database read: for the async thread).
    pub(crate) fn cached(
        &self,
        customer: CustomerId,
        today: NaiveDate,
        rules: &SegmentRules,
        default_gap: f64,
    ) -> Option<InsightCard> {
        let usable = self.usable(customer, today)?;
        let facts = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(usable.generation, customer.get())?;
        self.draw(customer, &facts, &usable, (today, rules, default_gap))
    }

    /// The customer's card as of `today` when a prepared one is still exact: from the
    /// process's cache, else from its row in `db` (then kept in the cache), read on the
    /// calling thread's own connection when `here` ([`Database::read_on_this_thread`]),
    /// else through the pool. `None`: the card must be read from the store.
    pub(crate) fn render(
        &self,
        (db, here): (&Database, bool),
        customer: CustomerId,
        today: NaiveDate,
        rules: &SegmentRules,
        default_gap: f64,
    ) -> Result<Option<InsightCard>, StorageError> {
        let Some(usable) = self.usable(customer, today) else { return Ok(None) };
        let cached = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(usable.generation, customer.get());
        let facts = match cached {
            Some(facts) => facts,
            None => {
                let row = |c: &mut Conn| crm_storage::prepared_card(c, usable.generation, customer.get());
                let Some(bytes) = (if here { db.read_on_this_thread(row)? } else { db.read(row)? }) else {
                    return Ok(None);
                };
                let facts = match postcard::from_bytes::<CardFacts>(&bytes) {
                    Ok(facts) => Arc::new(facts),
                    Err(error) => {
                        log::warn!(
                            "customer {customer}'s prepared card could not be decoded ({error}): read from the store instead"
                        );
                        return Ok(None);
                    }
                };
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                cache.put(usable.generation, customer.get(), Arc::clone(&facts));
                facts
            }
        };
        Ok(self.draw(customer, &facts, &usable, (today, rules, default_gap)))
    }

    /// Prepared cards and pending marks.
    pub fn stats(&self) -> CardBookStats {
        let cached = self.cache.lock().unwrap_or_else(PoisonError::into_inner).len();
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        CardBookStats {
            cards: book.cards.as_ref().map_or(0, |p| p.count),
            cached,
            changed_customers: book.changed_customers.len(),
            relabelled_products: book.relabelled_products.len(),
        }
    }
}

impl PreparedCards {
    /// What another replica needs to serve these cards, for the store once they are
    /// installed; `None` if the product numbering could not be encoded (not expected).
    pub(crate) fn published(&self) -> Option<InstalledCards> {
        let labels = postcard::to_stdvec(self.labels.as_ref())
            .map_err(|error| log::warn!("the prepared cards' product numbering could not be encoded: {error}"))
            .ok()?;
        Some(InstalledCards {
            generation: self.generation,
            sequence: self.sequence,
            ranked_for: self.day,
            as_of: self.as_of,
            cards: i64::try_from(self.count).unwrap_or(i64::MAX),
            labels,
        })
    }
}

/// How long another replica's generation of cards is kept: longer than the longest refresh
/// interval (a day), so a live replica's is never deleted under it.
const OTHERS_CARDS_KEPT_MS: i64 = 25 * 3_600_000;

/// Deletes the rows of every generation no replica serves but `kept`, `replica`'s own, a
/// batch per transaction. On SQLite (one process only) that is every other generation.
pub(crate) fn delete_older_cards(db: &Database, (kept, replica): (i64, &str)) -> Result<usize, StorageError> {
    let others_after = match db.backend() {
        crm_storage::Backend::Sqlite => None,
        crm_storage::Backend::Postgres => Some(OTHERS_CARDS_KEPT_MS),
    };
    let mut deleted = 0;
    loop {
        let batch =
            db.write(|c| crm_storage::delete_unserved_cards(c, (kept, replica), others_after, CARDS_PER_DELETE))?;
        deleted += batch;
        if i64::try_from(batch).unwrap_or(i64::MAX) < CARDS_PER_DELETE {
            return Ok(deleted);
        }
    }
}

/// What a refresh computed that the cards show.
pub struct RefreshResults<'a> {
    /// The change log position the refresh read up to.
    pub sequence: i64,
    /// The replica running it.
    pub replica: &'a str,
    /// The refresh's as-of day.
    pub as_of: NaiveDate,
    /// The store-local day the cards are ranked for.
    pub today: NaiveDate,
    /// Segments and RFM scores of every customer.
    pub customers: &'a [CustomerAnalytics],
    /// Co-purchase pairs.
    pub pairs: &'a [ProductPairRow],
    /// Purpose tags by rule, sorted by customer.
    pub rule_tags: &'a [(i64, String)],
    /// Completed sales gathered per pass ([`passes`]).
    pub sales_per_pass: i64,
}

/// A customer's purchases as gathered from the sale stream.
#[derive(Default)]
struct History {
    purchases: Vec<Purchase>,
    bought: Vec<BoughtLine<u32>>,
    last: Option<LastSaleFacts>,
    /// A line named a product missing from the catalogue: leave this card to the store.
    unlabelled: bool,
}

/// What every card is drawn with, and the rows not yet written.
struct Drafter<'a> {
    db: &'a Database,
    generation: i64,
    today: NaiveDate,
    analytics: HashMap<i64, &'a CustomerAnalytics>,
    tags: HashMap<i64, Vec<Box<str>>>,
    pairs: Vec<Pair<u32>>,
    pairs_of: Vec<Vec<u32>>,
    batch: Vec<(i64, Vec<u8>)>,
    written: usize,
    /// Time spent writing rows, for the refresh's debug log.
    writing: std::time::Duration,
}

impl Drafter<'_> {
    /// Draws the customer's card and queues its row; writes a full batch.
    fn finish(&mut self, id: i64, name: Option<String>, history: History) -> Result<(), StorageError> {
        let mut own_tags = self.tags.remove(&id).unwrap_or_default();
        if history.unlabelled {
            return Ok(());
        }
        let facts = purchase_facts(&history.purchases, &history.bought, self.today, |anchors| {
            merged_pairs(&self.pairs, &self.pairs_of, anchors, PAIRS_CONSIDERED)
        });
        let row = self.analytics.get(&id);
        own_tags.sort();
        own_tags.dedup();
        let card = CardFacts {
            name: name.map(String::into_boxed_str),
            segment: row.map_or(Segment::Prospect, |a| a.segment),
            rfm: row.and_then(|a| RfmScores::of(a)),
            summary: facts.summary,
            last: history.last,
            preferred: facts.preferred.iter().map(Into::into).collect(),
            recommendations: facts.recommendations.into(),
            tags: own_tags.into(),
            value: row.and_then(|a| crate::card::CardValue::of(a)),
        };
        match postcard::to_stdvec(&card) {
            Ok(bytes) => self.batch.push((id, bytes)),
            // Not expected of these types; the card is then read from the store.
            Err(error) => log::warn!("customer {id}'s card could not be encoded ({error}): it is read from the store"),
        }
        if self.batch.len() == CARDS_PER_WRITE {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the queued rows, in a transaction of their own.
    fn flush(&mut self) -> Result<(), StorageError> {
        let started = std::time::Instant::now();
        self.db.write(|c| crm_storage::insert_prepared_cards(c, self.generation, &self.batch))?;
        self.writing += started.elapsed();
        self.written += self.batch.len();
        self.batch.clear();
        Ok(())
    }
}

/// Prepares every customer's card from the store (read through `snap`) and the refresh's
/// results, and writes them into `db` as a new generation of rows, a batch per
/// transaction. Gathers the customers a range of ids at a time ([`passes`]): one pass
/// reads the sales table in its stored order and keeps the lines of the range's customers,
/// whose cards are then drawn and queued before the next range is read. So no more than
/// one range's lines (about [`SALES_PER_PASS`] sales) and one batch of rows are held, and
/// the pages are read in file order rather than at random, customer by customer.
pub fn prepare(db: &Database, snap: &mut Conn, results: &RefreshResults<'_>) -> Result<PreparedCards, StorageError> {
    let labels = ProductLabels::from_sorted(crm_storage::product_labels(snap)?);
    let numbers = labels.numbers();
    let (pairs, pairs_of) = number_pairs(results.pairs, &labels);
    let mut tags: HashMap<i64, Vec<Box<str>>> = HashMap::new();
    for (customer, tag) in crm_storage::manual_tags(snap)?.iter().chain(results.rule_tags) {
        tags.entry(*customer).or_default().push(tag.as_str().into());
    }
    let mut drafter = Drafter {
        db,
        generation: db.write(|c| crm_storage::new_card_generation(c, results.replica))?,
        today: results.today,
        analytics: results.customers.iter().map(|a| (a.customer_id.get(), a)).collect(),
        tags,
        pairs,
        pairs_of,
        batch: Vec::with_capacity(CARDS_PER_WRITE),
        written: 0,
        writing: std::time::Duration::ZERO,
    };
    let (started, mut reading) = (std::time::Instant::now(), std::time::Duration::ZERO);
    let purchases: Vec<(i64, i64)> = results.customers.iter().map(|c| (c.customer_id.get(), c.visits)).collect();
    let ranges = passes(&purchases, results.sales_per_pass);
    let count = ranges.len();
    for range in ranges {
        let pass = std::time::Instant::now();
        let customers = crm_storage::customer_names(snap, range.clone())?;
        // The ids alone, searched once a sale: 8 bytes each stay in the processor's cache.
        let ids: Vec<i64> = customers.iter().map(|(id, _)| *id).collect();
        let mut histories: Vec<History> = customers
            .iter()
            .map(|(id, _)| {
                // Purchases are counted by the refresh: reserve them exactly.
                let visits = drafter.analytics.get(id).map_or(0, |a| a.visits);
                History { purchases: Vec::with_capacity(usize::try_from(visits).unwrap_or(0)), ..History::default() }
            })
            .collect();
        // The sale being read: its customer's place in the range, its id, and whether it is
        // that customer's latest so far.
        let mut sale: Option<(usize, i64, bool)> = None;
        crm_storage::for_each_sale_line(snap, range, |row| -> Result<(), StorageError> {
            let at = match sale {
                Some((at, id, _)) if id == row.sale_id => at,
                _ => {
                    // Every sale's customer is stored (a foreign key) and so in the range's list.
                    let Ok(at) = ids.binary_search(&row.customer_id) else {
                        return Ok(());
                    };
                    let history = &mut histories[at];
                    history.purchases.push(Purchase { date: row.local_date, total_cents: row.total_cents });
                    let latest = history.last.as_ref().is_none_or(|l| l.is_before(row.created_at, row.sale_id));
                    if latest {
                        history.last = Some(LastSaleFacts {
                            sale_id: row.sale_id,
                            created_at: row.created_at,
                            local_date: row.local_date,
                            total_cents: row.total_cents,
                            lines: Vec::new(),
                        });
                    }
                    sale = Some((at, row.sale_id, latest));
                    at
                }
            };
            let history = &mut histories[at];
            let (Some(code), Some(quantity), Some(unit_price_e4)) = (row.product_id, row.quantity, row.unit_price_e4)
            else {
                return Ok(());
            };
            let Some(&product) = numbers.get(code.as_str()) else {
                history.unlabelled = true;
                return Ok(());
            };
            history.bought.push(BoughtLine { product, date: row.local_date, quantity });
            if let (Some((_, _, true)), Some(last)) = (sale, history.last.as_mut()) {
                last.lines.push(LineFacts {
                    product,
                    name: row.product_name.map(String::into_boxed_str),
                    quantity,
                    unit_price_e4,
                });
            }
            Ok(())
        })?;
        reading += pass.elapsed();
        for ((id, name), history) in customers.into_iter().zip(histories) {
            drafter.finish(id, name, history)?;
        }
    }
    drafter.flush()?;
    drop(numbers);
    log::debug!(
        "cards: {count} passes over the sales reading {:.2} s, drawing {:.2} s, writing {:.2} s",
        reading.as_secs_f64(),
        (started.elapsed().saturating_sub(reading + drafter.writing)).as_secs_f64(),
        drafter.writing.as_secs_f64()
    );
    Ok(PreparedCards {
        sequence: results.sequence,
        day: results.today,
        as_of: results.as_of,
        labels: Arc::new(labels),
        generation: drafter.generation,
        count: drafter.written,
    })
}

/// The ranges of customer ids [`prepare`] gathers one at a time, from the refresh's
/// customers (`(id, completed purchases)`, by id): each closes once it holds
/// `sales_per_pass` sales (more on a store past [`MOST_PASSES`] passes' worth), and
/// together they cover every id.
fn passes(customers: &[(i64, i64)], sales_per_pass: i64) -> Vec<std::ops::RangeInclusive<i64>> {
    let sales: i64 = customers.iter().map(|(_, visits)| (*visits).max(0)).fold(0, i64::saturating_add);
    let per_pass = sales_per_pass.max(1).max(sales.saturating_add(MOST_PASSES - 1) / MOST_PASSES);
    let mut ranges = Vec::new();
    let (mut from, mut held) = (i64::MIN, 0i64);
    // The last customer closes no range: the last range runs to the end whatever it holds.
    let before_last = customers.len().saturating_sub(1);
    for &(id, visits) in &customers[..before_last] {
        held = held.saturating_add(visits.max(0));
        if held >= per_pass && id < i64::MAX {
            ranges.push(from..=id);
            (from, held) = (id + 1, 0);
        }
    }
    ranges.push(from..=i64::MAX);
    ranges
}

/// The pairs numbered by `labels`, best first (lift, then baskets together, then products:
/// the order the store reads them in), and for each product the positions of its pairs.
fn number_pairs(rows: &[ProductPairRow], labels: &ProductLabels) -> (Vec<Pair<u32>>, Vec<Vec<u32>>) {
    let mut pairs: Vec<Pair<u32>> = rows.iter().filter_map(|row| numbered_pair(row, labels)).collect();
    pairs.sort_by(|x, y| {
        y.lift.total_cmp(&x.lift).then(y.together.cmp(&x.together)).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b))
    });
    let mut pairs_of: Vec<Vec<u32>> = Vec::new();
    for (position, pair) in pairs.iter().enumerate() {
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        for product in [pair.a, pair.b] {
            let slot = product as usize;
            if pairs_of.len() <= slot {
                pairs_of.resize_with(slot + 1, Vec::new);
            }
            pairs_of[slot].push(position);
        }
    }
    (pairs, pairs_of)
}

/// The best `limit` pairs holding any of `anchors`, best first: a merge of the anchors'
/// (already ordered) pair lists, a pair of two anchors taken once.
fn merged_pairs(pairs: &[Pair<u32>], pairs_of: &[Vec<u32>], anchors: &[u32], limit: usize) -> Vec<Pair<u32>> {
    let mut lists: Vec<&[u32]> =
        anchors.iter().filter_map(|&a| pairs_of.get(a as usize)).map(Vec::as_slice).filter(|l| !l.is_empty()).collect();
    let mut out = Vec::new();
    let mut previous = None;
    while out.len() < limit {
        let Some((list, &position)) =
            lists.iter().enumerate().filter_map(|(i, l)| l.first().map(|p| (i, p))).min_by_key(|&(_, p)| *p)
        else {
            break;
        };
        lists[list] = &lists[list][1..];
        if previous != Some(position) {
            previous = Some(position);
            if let Some(pair) = pairs.get(position as usize) {
                out.push(pair.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod equivalence;

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32, lift: f64) -> Pair<u32> {
        Pair { a, b, together: 2, baskets_with_a: 4, baskets_with_b: 4, lift }
    }

    #[test]
    fn passes_close_at_their_share_of_sales_and_cover_every_id() {
        let customers = [(3, 5), (7, 0), (9, 6), (12, 2), (20, 9), (31, 1)];
        // 23 sales, 10 a pass: cut after 9 (11 held) and after 20 (11 held); 31 ends it.
        assert_eq!(passes(&customers, 10), vec![i64::MIN..=9, 10..=20, 21..=i64::MAX]);
        // One pass holds them all.
        assert_eq!(passes(&customers, 23), vec![i64::MIN..=i64::MAX]);
        assert_eq!(passes(&customers, 24), vec![i64::MIN..=i64::MAX]);
        assert_eq!(passes(&[], 10), vec![i64::MIN..=i64::MAX]);
        // Never more than MOST_PASSES: a pass of one sale takes a sixteenth of them.
        let many: Vec<(i64, i64)> = (1..=160).map(|id| (id, 1)).collect();
        let ranges = passes(&many, 1);
        assert_eq!(ranges.len(), 16);
        assert_eq!((ranges[0].clone(), ranges[15].clone()), (i64::MIN..=10, 151..=i64::MAX));
        // Customers without purchases, or refunds counted below none, fill nothing.
        assert_eq!(passes(&[(1, -4), (2, 0), (3, 2), (5, 1)], 2), vec![i64::MIN..=3, 4..=i64::MAX]);
        // The last customer opens no range after it.
        assert_eq!(passes(&[(i64::MAX, 3)], 1), vec![i64::MIN..=i64::MAX]);
        assert_eq!(passes(&[(4, 3), (i64::MAX, 3)], 1), vec![i64::MIN..=4, 5..=i64::MAX]);
    }

    #[test]
    fn merging_takes_the_best_pairs_of_all_anchors_once_each() {
        let pairs = vec![pair(0, 1, 9.0), pair(2, 3, 8.0), pair(0, 2, 7.0), pair(1, 3, 6.0)];
        let mut pairs_of = vec![Vec::new(); 4];
        for (i, p) in pairs.iter().enumerate() {
            pairs_of[p.a as usize].push(i as u32);
            pairs_of[p.b as usize].push(i as u32);
        }
        let lifts = |anchors: &[u32], limit| -> Vec<f64> {
            merged_pairs(&pairs, &pairs_of, anchors, limit).iter().map(|p| p.lift).collect()
        };
        assert_eq!(lifts(&[0, 2], 10), [9.0, 8.0, 7.0], "pair (0, 2) holds both anchors and comes once");
        assert_eq!(lifts(&[0, 2], 2), [9.0, 8.0]);
        assert_eq!(lifts(&[3], 10), [8.0, 6.0]);
        assert!(lifts(&[], 10).is_empty());
    }

    /// Cards of a refresh that read the change log up to `sequence`, ranked for one day.
    fn prepared(sequence: i64, generation: i64, count: usize) -> PreparedCards {
        let day = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
        PreparedCards { sequence, day, as_of: day, labels: Arc::default(), generation, count }
    }

    #[test]
    fn marks_after_the_position_a_refresh_read_survive_its_install() {
        let book = CardBook::default();
        book.changed(1, &[1], &[]);
        let read_up_to = 1;
        book.changed(2, &[2], &["P1".to_owned()]);
        let prepared = |sequence, generation| prepared(sequence, generation, 0);
        assert_eq!(book.install(prepared(read_up_to, 2)), Some(2));
        let stats = book.stats();
        assert_eq!(
            (stats.cards, stats.changed_customers, stats.relabelled_products),
            (0, 1, 1),
            "change 2 came after the position the refresh read"
        );

        book.changed(3, &[3], &[]);
        assert_eq!(book.install(prepared(read_up_to - 1, 3)), Some(2), "the newer cards stay served");
        assert_eq!(book.stats().changed_customers, 2, "an older refresh installs nothing and clears nothing");
        // A change the served cards already cover (another replica's, read from the log
        // late) marks nothing.
        book.changed(1, &[9], &[]);
        assert_eq!(book.stats().changed_customers, 2);
    }

    #[test]
    fn cards_another_replica_installed_are_served_when_they_read_further_in_the_log() {
        let labels = ProductLabels::from_sorted(vec![
            ("P1".into(), "Tea".into(), Some("Drinks".into())),
            ("P2".into(), "Cake".into(), None),
        ]);
        let mut theirs = prepared(9, 4, 12);
        theirs.labels = Arc::new(labels);
        let published = theirs.published().unwrap();
        assert_eq!((published.generation, published.sequence, published.cards), (4, 9, 12));

        let book = CardBook::default();
        book.follows_from(3);
        assert!(!book.adopt(InstalledCards { sequence: 2, ..published.clone() }), "from before the log was followed");
        assert_eq!(book.install(prepared(5, 1, 7)), Some(1));
        book.changed(7, &[1], &[]);
        book.changed(11, &[2], &[]);
        assert!(book.adopt(published.clone()));
        let stats = book.stats();
        assert_eq!((stats.cards, stats.changed_customers), (12, 1), "change 11 came after theirs");
        let served = book.book.read().unwrap();
        let cards = served.cards.as_ref().unwrap();
        assert_eq!((cards.generation, cards.labels.index("P2"), cards.labels.code(1)), (4, Some(1), "P2"));
        drop(served);
        assert!(!book.adopt(published.clone()), "already served");
        assert!(!book.adopt(InstalledCards { generation: 3, sequence: 8, ..published.clone() }), "read less far");
        assert!(!book.adopt(InstalledCards { labels: vec![0xff; 3], generation: 5, sequence: 10, ..published }));
        assert_eq!(book.stats().cards, 12, "unreadable numbering: not served");
    }

    #[test]
    fn a_process_that_lost_track_of_the_log_serves_no_card_prepared_before_it_caught_up() {
        let book = CardBook::default();
        let prepared = |sequence, generation| prepared(sequence, generation, 7);
        assert_eq!(book.install(prepared(5, 1)), Some(1));
        book.changed(6, &[1], &[]);
        book.forget(40);
        assert_eq!(book.stats(), CardBookStats { cards: 0, cached: 0, changed_customers: 0, relabelled_products: 0 });
        assert_eq!(book.install(prepared(39, 2)), None, "prepared from before the position it caught up at");
        assert_eq!(book.install(prepared(40, 3)), Some(3));
        assert_eq!(book.stats().cards, 7);
    }
}
