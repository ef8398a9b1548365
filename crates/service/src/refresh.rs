//! The analytics refresh: reads the synced data, computes segments, RFM scores, product
//! popularity and co-purchase pairs with `crm-analytics`, and replaces the derived tables
//! in one transaction; then installs every customer's insight card, prepared from the same
//! results (see [`crate::cards`]). Runs on a schedule and shortly after syncs, on its own
//! thread, so it never blocks a request; reads see the previous results until the new ones
//! commit.

use crate::cards::{CardBook, PreparedCards, RefreshResults};
use crate::forecast::{ForecastBook, Prepared, ProductSeries};
use crate::replicas::Lease;
use crate::value::{PreparedValue, ValueBook};
use crate::{Clock, Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_analytics::basket::CoPurchaseCounter;
use crm_analytics::popularity::{PopularityRules, PopularityTally};
use crm_analytics::purpose::{PurposeRules, event_tag, event_window};
use crm_analytics::reorder::ReorderPolicy;
use crm_analytics::rfm::{RfmInput, rfm_scores};
use crm_analytics::segments::{CustomerActivity, SegmentRules, assign_segments, is_lapsed};
use crm_domain::{AnalyticsRun, CustomerAnalytics, MAX_EVENT_LEAD_DAYS, ProductId, ProductTrend, StoredEvent};
use crm_storage::{Conn, Database, ProductPairRow, StorageError};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Tunables of the analytics.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyticsConfig {
    /// Category-to-purpose tag rules (none by default).
    pub purpose: PurposeRules,
    /// Days before a calendar event whose purchases earn the event's tag, for events that
    /// declare no lead days of their own.
    pub event_lead_days: u64,
    /// Segment rules.
    pub segments: SegmentRules,
    /// Popularity rules.
    pub popularity: PopularityRules,
    /// Days of product history read for popularity (older sales weigh next to nothing).
    pub popularity_history_days: u64,
    /// Days of baskets read for co-purchase pairs.
    pub pair_window_days: u64,
    /// Only the most popular products are paired (bounds memory and noise).
    pub pair_products: usize,
    /// A pair must be seen in at least this many baskets.
    pub pair_min_baskets: u64,
    /// Baskets with more distinct products than this add no pairs (wholesale orders).
    pub pair_max_basket: usize,
    /// Days with no visit after which the churn rule uses this gap for one-visit customers.
    pub default_gap_days: f64,
    /// Reorder rules: service level, review period, default lead time.
    pub reorder: ReorderPolicy,
    /// Completed sales whose lines the cards step holds at once: it reads the sales in
    /// passes over ranges of customers of about this many sales each (at most 16 passes;
    /// a larger store holds more per pass). About 60 bytes a sale.
    pub card_pass_sales: i64,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            purpose: PurposeRules::default(),
            event_lead_days: 7,
            segments: SegmentRules::default(),
            popularity: PopularityRules::default(),
            popularity_history_days: 180,
            pair_window_days: 365,
            pair_products: 1_000,
            pair_min_baskets: 2,
            pair_max_basket: 50,
            default_gap_days: 30.0,
            reorder: ReorderPolicy::default(),
            card_pass_sales: crate::cards::SALES_PER_PASS,
        }
    }
}

impl Service {
    /// Runs one refresh as of the end of the store-local day `as_of` (default: today),
    /// installs the insight cards and forecasts it prepared, and returns what it computed.
    /// One refresh runs at a time (a second caller waits for the running one), and it reads
    /// everything inside one snapshot of the store.
    pub fn refresh(&self, as_of: Option<NaiveDate>) -> Result<AnalyticsRun, ServiceError> {
        let today = self.today();
        let run = refresh(
            (&self.db, &self.replica),
            &self.config,
            (&self.cards, &self.forecasts, &self.values),
            self.clock.as_ref(),
            as_of.unwrap_or(today),
            today,
        )?;
        Ok(run)
    }
}

/// Runs one refresh as of the end of the store-local day `as_of`, installs the insight
/// cards (ranked as of `today`, the store's current day) and the forecasts from the day
/// after `as_of` (or from today, if that is earlier: today's sales are not yet a whole
/// day), and returns what it computed.
///
/// One refresh runs at a time, in the process and across the replicas on the store (the
/// refresh lease, [`Lease`]): a second caller (the schedule and `POST
/// /api/analytics/refresh` meeting, or another replica) waits for the running one, then
/// runs on what the store holds by then. Everything is read inside one snapshot of the
/// store ([`Database::snapshot`]), so the derived tables and the cards agree with each
/// other however the syncs go on meanwhile.
pub(crate) fn refresh(
    (db, replica): (&Database, &str),
    config: &AnalyticsConfig,
    (cards, forecasts, values): (&CardBook, &ForecastBook, &ValueBook),
    clock: &dyn Clock,
    as_of: NaiveDate,
    today: NaiveDate,
) -> Result<AnalyticsRun, StorageError> {
    let _one_at_a_time = cards.refreshing();
    let lease = Lease::take(db, replica)?;
    lease.keep(|| {
        in_the_background(|| {
            // Noted before anything is read: a catalogue change after it makes the list stale.
            let catalogue = forecasts.catalogue_version();
            let (run, prepared, forecast, value) =
                db.snapshot(|snap| compute((db, replica), snap, config, clock, catalogue, as_of, today))?;
            values.install(value);
            let published = prepared.published();
            let served = cards.install(prepared);
            forecasts.install(forecast);
            // Installed: the other replicas may serve them too.
            if let Some(published) = published.filter(|p| served == Some(p.generation))
                && let Err(error) = db.write(|c| crm_storage::record_installed_cards(c, &published))
            {
                log::warn!(
                    "the prepared cards could not be offered to other replicas: {}",
                    crm_storage::error_chain(&error)
                );
            }
            // The rows of the cards no replica serves (and any an earlier run left) go now, a
            // batch at a time; a failure leaves them for the next refresh.
            if let Some(generation) = served
                && let Err(error) = crate::cards::delete_older_cards(db, (generation, replica))
            {
                log::warn!(
                    "the previous prepared cards could not be deleted yet: {}",
                    crm_storage::error_chain(&error)
                );
            }
            // The writer's cache now holds the derived tables' and the card rows' pages, which
            // the syncs to come do not read.
            if let Err(error) = db.release_writer_cache() {
                log::warn!("the writer's page cache could not be released: {}", crm_storage::error_chain(&error));
            }
            Ok(run)
        })
    })
}

/// The priority the refresh's thread runs at, on `thread-priority`'s scale of 0 (lowest)
/// to 99: 22 is a niceness of 10 on Linux, where a thread at the default 0 outweighs it
/// about nine to one. On a small box the refresh shares the cores with the checkout's
/// requests, which must come first; when they leave a core idle the refresh takes it whole.
const REFRESH_PRIORITY: u8 = 22;

/// Runs `work` on a thread of its own at [`REFRESH_PRIORITY`], and waits for it. A thread
/// of its own, because a thread's priority once lowered cannot be raised again without
/// privileges, and the calling thread (a pool's) goes on to serve requests. Where the
/// priority cannot be lowered (another system, a sandbox) the work runs at the usual one.
/// A panic in `work` goes on in the caller, as if it had run there.
fn in_the_background<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            if let Err(error) = lower_priority() {
                log::debug!("the refresh runs at the usual priority: {error}");
            }
            work()
        });
        worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Lowers the calling thread's priority to [`REFRESH_PRIORITY`].
fn lower_priority() -> Result<(), String> {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    let value = ThreadPriorityValue::try_from(REFRESH_PRIORITY).map_err(|e| e.to_string())?;
    set_current_thread_priority(ThreadPriority::Crossplatform(value)).map_err(|e| e.to_string())
}

/// The refresh's work: reads through `snap`, stores the derived tables through `db`'s
/// writer, and returns the run, the prepared cards and the prepared forecasts. The
/// catalogue version was noted before the snapshot was taken.
fn compute(
    (db, replica): (&Database, &str),
    snap: &mut Conn,
    config: &AnalyticsConfig,
    clock: &dyn Clock,
    catalogue: u64,
    as_of: NaiveDate,
    today: NaiveDate,
) -> Result<(AnalyticsRun, PreparedCards, Prepared, PreparedValue), StorageError> {
    let started_at = clock.now();
    // The first read fixes the snapshot: every change up to here is in what follows.
    let sequence = crm_storage::last_change(snap)?;
    // Each step's duration, for the operator's debug log.
    let mut steps = Steps::default();
    // Customer value: the models learn from the whole days before the forecasts' first day.
    let forecast_from = as_of.succ_opt().unwrap_or(as_of).min(today);
    let value = crate::value::for_refresh(snap, forecast_from)?;
    let mut scores = value.scores.into_iter().peekable();
    steps.done("customer value");
    let window_days = u64::try_from(config.segments.window_days.max(1)).unwrap_or(365);
    let window_start = as_of - Days::new(window_days - 1);
    let totals = crm_storage::customer_totals(snap, window_start)?;

    let activities: Vec<CustomerActivity> = totals
        .iter()
        .map(|t| CustomerActivity {
            first_purchase: t.first_purchase,
            last_purchase: t.last_purchase,
            window_purchases: t.window_purchases,
            window_spend_cents: t.window_spend_cents,
        })
        .collect();
    let segments = assign_segments(&activities, as_of, &config.segments);
    let buyers: Vec<usize> = (0..totals.len()).filter(|&i| totals[i].visits > 0).collect();
    let inputs: Vec<RfmInput> = buyers
        .iter()
        .map(|&i| RfmInput {
            recency_days: totals[i].last_purchase.map_or(0, |last| (as_of - last).num_days().max(0)),
            frequency: totals[i].visits,
            monetary_cents: totals[i].total_spent_cents,
        })
        .collect();
    let mut rfm = vec![None; totals.len()];
    for (&i, score) in buyers.iter().zip(rfm_scores(&inputs)) {
        rfm[i] = Some(score);
    }
    let customers: Vec<CustomerAnalytics> = totals
        .iter()
        .zip(&activities)
        .zip(segments)
        .zip(rfm)
        .map(|(((t, activity), segment), score)| {
            // Both lists are by customer id; the value's only has buyers.
            while scores.next_if(|(id, ..)| *id < t.customer_id).is_some() {}
            let (purchase_days, value) =
                scores.next_if(|(id, ..)| *id == t.customer_id).map_or((0, None), |(_, days, value)| (days, value));
            Ok(CustomerAnalytics {
                customer_id: crm_storage::stored_customer(t.customer_id)?,
                segment,
                lapsed: is_lapsed(activity, as_of, &config.segments),
                recency_score: score.map(|s| i32::from(s.recency)),
                frequency_score: score.map(|s| i32::from(s.frequency)),
                monetary_score: score.map(|s| i32::from(s.monetary)),
                rfm_segment: score.map(|s| s.segment()),
                visits: t.visits,
                total_spent_cents: t.total_spent_cents,
                first_purchase: t.first_purchase,
                last_purchase: t.last_purchase,
                purchase_days: i64::from(purchase_days),
                value,
            })
        })
        .collect::<Result<_, StorageError>>()?;
    steps.done("customers");

    let history_start = as_of - Days::new(config.popularity_history_days.max(1));
    let mut tally = PopularityTally::new(as_of, &config.popularity);
    // The same scan gathers each product's daily units for its forecast.
    let mut units = ProductSeries::new(forecast_from - Days::new(config.popularity_history_days.max(1)), forecast_from);
    crm_storage::for_each_product_day(snap, history_start, as_of, |d| {
        tally.add(&d.product_id, d.local_date, d.units, d.revenue_cents);
        units.add(&d.product_id, d.local_date, d.units);
    })?;
    let ranked = tally.ranked();
    let products: Vec<ProductTrend> = ranked
        .iter()
        .map(|p| ProductTrend {
            product_id: ProductId::from_stored(p.product.as_str()),
            popularity_score: p.score,
            popularity_rank: i32::try_from(p.rank).unwrap_or(i32::MAX),
            trend_direction: p.direction,
            decayed_units: p.decayed_units,
            decayed_revenue_cents: p.decayed_revenue_cents,
            recent_units: p.recent_units,
        })
        .collect();

    steps.done("products");
    let pairs = pair_rows(snap, &ranked.iter().map(|p| p.product.clone()).collect::<Vec<_>>(), as_of, config)?;
    steps.done("pairs");
    let rule_tags = rule_tags(snap, window_start, as_of, config)?;
    steps.done("purpose tags");
    let prepared = crate::cards::prepare(
        db,
        snap,
        &RefreshResults {
            sequence,
            replica,
            as_of,
            today,
            customers: &customers,
            pairs: &pairs,
            rule_tags: &rule_tags,
            sales_per_pass: config.card_pass_sales,
        },
    )?;
    steps.done("cards");
    let run = AnalyticsRun {
        started_at,
        finished_at: clock.now(),
        as_of,
        customers: i64::try_from(customers.len()).unwrap_or(i64::MAX),
        products: i64::try_from(products.len()).unwrap_or(i64::MAX),
        pairs: i64::try_from(pairs.len()).unwrap_or(i64::MAX),
    };
    let forecast = crate::forecast::prepare(snap, config, forecast_from, units, catalogue)?;
    steps.done("forecasts");
    db.write(|c| crm_storage::replace_derived(c, &customers, &products, &pairs, &rule_tags, (&run, replica)))?;
    steps.done("write");
    log::debug!("analytics refresh as of {as_of}: {steps}");
    Ok((run, prepared, forecast, value.prepared))
}

/// How long each step of a refresh took.
struct Steps {
    since: Instant,
    taken: Vec<(&'static str, Duration)>,
}

impl Default for Steps {
    fn default() -> Self {
        Self { since: Instant::now(), taken: Vec::new() }
    }
}

impl Steps {
    fn done(&mut self, step: &'static str) {
        let now = Instant::now();
        self.taken.push((step, now - self.since));
        self.since = now;
    }
}

impl std::fmt::Display for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (at, (step, took)) in self.taken.iter().enumerate() {
            let sep = if at == 0 { "" } else { ", " };
            write!(f, "{sep}{step} {:.2} s", took.as_secs_f64())?;
        }
        Ok(())
    }
}

/// Purpose tags by rule, sorted: (customer, tag) for every customer who bought from a
/// mapped category within `since..=as_of`, and for every customer who bought in an event's
/// window (its own lead days, or the store's default, and its days) within the same span.
fn rule_tags(
    snap: &mut Conn,
    since: NaiveDate,
    as_of: NaiveDate,
    config: &AnalyticsConfig,
) -> Result<Vec<(i64, String)>, StorageError> {
    let mut tags: BTreeSet<(i64, String)> = BTreeSet::new();
    if !config.purpose.is_empty() {
        crm_storage::for_each_customer_category(snap, since, |customer, category| {
            if let Some(tag) = config.purpose.tag_of(&category) {
                tags.insert((customer, tag.to_owned()));
            }
        })?;
    }
    // Each event may declare its own lead days: look ahead by the longest any may have, so an
    // event whose window has opened by `as_of` is read however far off its first day is.
    let longest_lead = config.event_lead_days.max(u64::from(MAX_EVENT_LEAD_DAYS));
    let events = crm_storage::reads::events_between(snap, since, as_of + Days::new(longest_lead))?;
    for StoredEvent { event, .. } in events {
        let lead = event.lead_days_or(config.event_lead_days);
        let (first, last) = event_window(event.date, event.last_day(), lead);
        let (first, last) = (first.max(since), last.min(as_of));
        if first > last {
            continue;
        }
        let tag = event_tag(&event.name);
        for customer in crm_storage::calendar::customers_buying_between(snap, first, last)? {
            tags.insert((customer, tag.clone()));
        }
    }
    Ok(tags.into_iter().collect())
}

/// Co-purchase pairs among the `pair_products` most popular products, from the baskets of
/// the pair window. Products are numbered so counting touches integers, not strings.
fn pair_rows(
    snap: &mut Conn,
    ranked_products: &[String],
    today: NaiveDate,
    config: &AnalyticsConfig,
) -> Result<Vec<ProductPairRow>, StorageError> {
    let index: HashMap<&str, u32> = ranked_products
        .iter()
        .take(config.pair_products)
        .enumerate()
        .map(|(i, p)| (p.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let since = today - Days::new(config.pair_window_days.max(1));
    // Lines arrive grouped by sale; each basket is counted when the next one starts, so
    // only one basket is ever held.
    let mut counter = CoPurchaseCounter::new(config.pair_max_basket);
    let mut basket: Vec<u32> = Vec::new();
    let mut current: Option<i64> = None;
    crm_storage::for_each_basket_line(snap, since, |sale_id, product| {
        if current != Some(sale_id) {
            if current.is_some() {
                counter.add_basket(basket.drain(..));
            }
            current = Some(sale_id);
        }
        if let Some(&i) = index.get(product.as_str()) {
            basket.push(i);
        }
    })?;
    if current.is_some() {
        counter.add_basket(basket.drain(..));
    }
    let pairs = counter.pairs(config.pair_min_baskets);
    Ok(pairs
        .into_iter()
        .filter_map(|p| {
            let a = ranked_products.get(p.a as usize)?;
            let b = ranked_products.get(p.b as usize)?;
            let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            let (with_a, with_b) = (count(p.baskets_with_a), count(p.baskets_with_b));
            // Store each pair with the smaller code first, as the table's key expects.
            let (a, b, with_a, with_b) = if a <= b { (a, b, with_a, with_b) } else { (b, a, with_b, with_a) };
            Some(ProductPairRow {
                product_a: a.clone(),
                product_b: b.clone(),
                together: count(p.together),
                baskets_with_a: with_a,
                baskets_with_b: with_b,
                lift: p.lift,
            })
        })
        .collect())
}

/// Asks the refresh thread for a run soon (after syncs).
#[derive(Debug, Clone, Default)]
pub struct RefreshTrigger(Arc<(Mutex<bool>, Condvar)>);

impl RefreshTrigger {
    /// Marks the derived data stale; the refresh thread runs after a short pause, so a
    /// burst of sync batches leads to one refresh.
    pub fn request(&self) {
        let (stale, wake) = &*self.0;
        *stale.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_one();
    }

    /// Waits until a refresh is requested or `timeout` passes; returns whether requested.
    fn wait(&self, timeout: Duration) -> bool {
        let (stale, wake) = &*self.0;
        let guard = stale.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) =
            wake.wait_timeout_while(guard, timeout, |stale| !*stale).unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *guard)
    }
}

/// The refresh loop: every `interval`, and `delay` after a sync asked for one. At start it
/// refreshes after `delay` (so start-up stays quick): the insight cards live in memory and
/// are prepared by a refresh; until then every card is read from the store. Runs forever on
/// the calling thread; failures are logged (with their causes) and retried at the next turn.
pub fn run_forever(service: &Service, interval: Duration, delay: Duration, on_done: impl Fn(Duration)) {
    std::thread::sleep(delay);
    loop {
        let started = Instant::now();
        match service.refresh(None) {
            Ok(run) => {
                let forecasts = service.forecasts.stats().map_or(0, |s| s.took.as_millis());
                log::info!(
                    "analytics refreshed in {} ms: {} customers, {} products, {} pairs; forecasts fitted in {forecasts} ms",
                    started.elapsed().as_millis(),
                    run.customers,
                    run.products,
                    run.pairs
                );
                on_done(started.elapsed());
            }
            Err(e) => log::error!("analytics refresh failed: {}", crate::error_chain(&e)),
        }
        wait_for_turn(&service.refresh, interval, delay);
    }
}

/// Waits for the schedule or a sync's request; after a request, waits `delay` more so a
/// burst of batches is covered by one refresh.
fn wait_for_turn(trigger: &RefreshTrigger, interval: Duration, delay: Duration) {
    if trigger.wait(interval) {
        std::thread::sleep(delay);
        // Requests made during the pause are covered by the coming refresh.
        trigger.wait(Duration::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's niceness, from Linux's `/proc/thread-self/stat` (its 19th field).
    #[cfg(target_os = "linux")]
    fn niceness() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The command name (2nd field) is in brackets and may hold spaces: count after it.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_refresh_work_runs_at_a_niceness_of_ten_and_the_caller_keeps_its_own() {
        let before = niceness();
        let (inside, thread) = in_the_background(|| (niceness(), std::thread::current().id()));
        // Set to 10, not lowered by 10; a caller already nicer keeps its niceness (raising a
        // priority takes privileges).
        assert_eq!(inside, before.max(10));
        assert_ne!(thread, std::thread::current().id(), "a thread of its own");
        assert_eq!(niceness(), before);
    }

    #[test]
    fn a_panic_in_the_background_goes_on_in_the_caller() {
        let caught = std::panic::catch_unwind(|| in_the_background(|| panic!("the refresh failed")));
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"the refresh failed"));
    }
}
