//! Reorder recommendations: for every product in the catalogue, whether its stock lasts the
//! lead time at the store's service level, and how much to order if not
//! (`crm_analytics::reorder`), from the same per-product demand forecasts as
//! `GET /api/analytics/forecast` (events included).
//!
//! The refresh computes the list with the forecasts it prepares and serves it until the
//! next refresh ([`crate::forecast::ForecastBook`]). A products sync changes stock levels
//! between refreshes: the next request recomputes the list from the same forecasts and the
//! catalogue as it is then (no model is fitted), once per sync. Before the first refresh of
//! the day the whole list is computed for the request. Stock is one level per product, as the products sync sends
//! it: per-store stock is not modelled.

use crate::forecast::StoreDays;
use crate::{Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_analytics::demand::{UnitsForecaster, UnitsMethod};
use crm_analytics::reorder::{Advice, DayDemand, ReorderPolicy, Stock, advise};
pub use crm_domain::ReorderStatus;
use crm_domain::{Money, ProductId, UnitPrice};
use crm_storage::CatalogueEntry;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// Fewest days of demand a product's advice looks at, so days of cover see past a short
/// lead time.
pub const MIN_REORDER_HORIZON_DAYS: u32 = 28;

/// One product's line of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReorderItem {
    /// The product code.
    pub product_id: ProductId,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Where it stands.
    pub status: ReorderStatus,
    /// Units in stock, as last synced.
    pub stock_on_hand: Option<i64>,
    /// How its demand was forecast; `None` when it sold nothing in its window.
    pub method: Option<UnitsMethod>,
    /// Units per pack.
    pub pack_size: Option<i64>,
    /// Smallest order, in units.
    pub min_order_quantity: Option<i64>,
    /// Cost of a unit.
    pub unit_cost: Option<UnitPrice>,
    /// The advice, for a product with a stock level and sales history (a discontinued one
    /// included: it shows its cover, and never an order).
    pub advice: Option<Advice>,
    /// What the recommended order costs, when there is one and the unit cost is known.
    pub order_cost: Option<Money>,
}

impl ReorderItem {
    /// Days the stock lasts at the forecast, when known.
    pub fn days_of_cover(&self) -> Option<f64> {
        self.advice.and_then(|a| a.days_of_cover)
    }

    /// Units to order now (0: none).
    pub fn order_quantity(&self) -> i64 {
        self.advice.map_or(0, |a| a.order_quantity)
    }
}

/// The reorder list: every product in the catalogue, most urgent first.
#[derive(Debug, Clone, PartialEq)]
pub struct ReorderList {
    /// The first day forecast (the list is as of the start of this day).
    pub as_of: NaiveDate,
    /// The store's rules it was computed with.
    pub policy: ReorderPolicy,
    /// Whether the analytics refresh prepared it (`false`: computed for this request).
    pub prepared: bool,
    /// Sorted by days of cover (fewest first; unknown last), then status, then code.
    pub items: Vec<ReorderItem>,
}

impl ReorderList {
    /// Products per status, in [`ReorderStatus::ALL`]'s order.
    pub fn counts(&self) -> [(ReorderStatus, usize); 5] {
        ReorderStatus::ALL.map(|status| (status, self.items.iter().filter(|i| i.status == status).count()))
    }

    /// What the recommended orders cost over the products whose unit cost is known, and
    /// how many recommended orders have no known cost.
    pub fn order_cost(&self) -> (Money, usize) {
        let orders = self.items.iter().filter(|i| i.status == ReorderStatus::OrderNow);
        orders.fold((Money::ZERO, 0), |(total, unknown), item| match item.order_cost {
            Some(cost) => (Money::from_cents(total.cents().saturating_add(cost.cents())), unknown),
            None => (total, unknown + 1),
        })
    }
}

/// What the dashboard shows of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReorderOverview {
    /// Products to order now.
    pub order_now: usize,
    /// What those orders cost, over the products whose unit cost is known.
    pub order_cost: Money,
    /// The most urgent of them, at most [`DASHBOARD_REORDER_LINES`].
    pub most_urgent: Vec<ReorderItem>,
}

/// Lines of the reorder list the dashboard shows.
pub const DASHBOARD_REORDER_LINES: usize = 5;

impl ReorderOverview {
    /// The overview of `list`.
    pub fn of(list: &ReorderList) -> Self {
        let orders = list.items.iter().filter(|i| i.status == ReorderStatus::OrderNow);
        Self {
            order_now: orders.clone().count(),
            order_cost: list.order_cost().0,
            most_urgent: orders.take(DASHBOARD_REORDER_LINES).cloned().collect(),
        }
    }
}

impl Service {
    /// The reorder list as of today: the one the refresh prepared; after a products sync
    /// changed the catalogue, the same forecasts with the stock as synced (computed once per
    /// sync, without fitting anything); or, when the refresh has not yet run today, all of it
    /// computed now (and kept until the refresh or a products sync).
    pub fn reorder(&self) -> Result<Arc<ReorderList>, ServiceError> {
        let today = self.today();
        let version = self.forecasts.catalogue_version();
        let prepared = self.forecasts.from(today);
        if let Some(prepared) = prepared.as_ref().filter(|p| p.catalogue_version == version) {
            return Ok(Arc::clone(&prepared.reorder));
        }
        if let Some(list) = self.forecasts.recomputed(today, version) {
            return Ok(list);
        }
        let list = match prepared {
            Some(prepared) => {
                let catalogue = self.db.read(crm_storage::catalogue)?;
                Arc::new(reorder_list(catalogue, &prepared.store, &prepared.products, &self.config.reorder, today))
            }
            None => self.db.read(|conn| crate::forecast::prepare_now(conn, &self.config, today))?.reorder,
        };
        self.forecasts.keep_recomputed(today, version, Arc::clone(&list));
        Ok(list)
    }
}

/// The list from `as_of`, from the prepared forecasts (the store's days and each product's
/// forecaster) and the catalogue.
pub(crate) fn reorder_list(
    catalogue: Vec<CatalogueEntry>,
    store: &StoreDays,
    products: &HashMap<String, (Option<UnitsForecaster>, usize)>,
    policy: &ReorderPolicy,
    as_of: NaiveDate,
) -> ReorderList {
    let factors = event_factors(store);
    let mut items: Vec<ReorderItem> = catalogue
        .into_iter()
        .map(|entry| {
            let forecaster = products.get(&entry.id).and_then(|(f, _)| f.as_ref());
            item(entry, forecaster, &factors, policy, as_of)
        })
        .collect();
    items.sort_by(urgency);
    ReorderList { as_of, policy: *policy, prepared: true, items }
}

/// The product of each forecast day's event multipliers, as the product forecasts apply
/// them (those learned on the store's sale count).
fn event_factors(store: &StoreDays) -> Vec<f64> {
    store.sales.iter().map(|day| day.adjustments.iter().map(|a| a.multiplier).product()).collect()
}

fn item(
    entry: CatalogueEntry,
    forecaster: Option<&UnitsForecaster>,
    factors: &[f64],
    policy: &ReorderPolicy,
    as_of: NaiveDate,
) -> ReorderItem {
    let lead_time_days = entry.lead_time_days.and_then(|d| u32::try_from(d).ok());
    let advice = match (entry.stock_on_hand, forecaster) {
        (Some(on_hand), Some(forecaster)) => {
            let stock = Stock {
                on_hand,
                lead_time_days,
                pack_size: entry.pack_size,
                min_order: entry.min_order_quantity,
                // The order's cost is priced below, to the ten-thousandth of the unit cost.
                unit_cost_cents: None,
                discontinued: entry.discontinued,
            };
            let horizon = (lead_time_days.unwrap_or(policy.default_lead_time_days) + policy.review_days)
                .max(MIN_REORDER_HORIZON_DAYS);
            Some(advise(&stock, &daily_demand(forecaster, factors, as_of, horizon), policy))
        }
        _ => None,
    };
    let status = if entry.discontinued {
        ReorderStatus::Discontinued
    } else if forecaster.is_none() {
        ReorderStatus::NoSalesHistory
    } else if entry.stock_on_hand.is_none() {
        ReorderStatus::NoStockData
    } else if advice.is_some_and(|a| a.order_quantity > 0) {
        ReorderStatus::OrderNow
    } else {
        ReorderStatus::Enough
    };
    let unit_cost = entry.unit_cost_e4.map(UnitPrice::from_ten_thousandths);
    let ordered = advice.map_or(0, |a| a.order_quantity);
    ReorderItem {
        product_id: ProductId::from_stored(entry.id),
        name: entry.name,
        category: entry.category,
        status,
        stock_on_hand: entry.stock_on_hand,
        method: forecaster.map(UnitsForecaster::method),
        pack_size: entry.pack_size,
        min_order_quantity: entry.min_order_quantity,
        unit_cost,
        advice,
        order_cost: unit_cost.filter(|_| ordered > 0).map(|price| price.line_total(ordered)),
    }
}

/// The product's demand on each of `days` days from `as_of`, scaled by the events of the
/// days the store forecast covers (beyond them, no event adjusts).
fn daily_demand(forecaster: &UnitsForecaster, factors: &[f64], as_of: NaiveDate, days: u32) -> Vec<DayDemand> {
    (0..u64::from(days))
        .filter_map(|i| as_of.checked_add_days(Days::new(i)))
        .enumerate()
        .map(|(i, day)| forecaster.demand(day, factors.get(i).copied().unwrap_or(1.0)))
        .collect()
}

/// Fewest days of cover first (unknown last), then by status, then by code.
fn urgency(a: &ReorderItem, b: &ReorderItem) -> Ordering {
    let cover = |item: &ReorderItem| item.days_of_cover().unwrap_or(f64::INFINITY);
    cover(a).total_cmp(&cover(b)).then(a.status.cmp(&b.status)).then_with(|| a.product_id.cmp(&b.product_id))
}
