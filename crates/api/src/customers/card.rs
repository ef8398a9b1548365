//! What an insight card is made of, and how it is drawn. The card is assembled from the
//! same facts whether they were read for one customer at request time or for every customer
//! by the analytics refresh (see `crate::cards`), so the two can never disagree.

use super::SegmentName;
use super::insights::{
    ChurnRiskView, CustomerInsightsResponse, LastPurchaseView, PreferredProductView, PurchaseLineView,
    RecommendationView, RfmView,
};
use chrono::{NaiveDate, NaiveDateTime};
use crm_analytics::basket::{Pair, Recommendation, recommend};
use crm_analytics::customer::{
    BoughtLine, Preference, Purchase, PurchaseSummary, churn_risk, preferred_products, summarize,
};
use crm_analytics::rfm::RfmSegment;
use crm_analytics::segments::SegmentRules;
use crm_domain::{Money, UnitPrice};

/// Preferred products shown on the card.
pub(crate) const PREFERRED: usize = 5;
/// Recommendations shown on the card.
pub(crate) const RECOMMENDED: usize = 5;
/// Pairs read for a customer's favourites before choosing recommendations.
pub(crate) const PAIRS_CONSIDERED: usize = 200;
/// Age at which a purchase counts half when ranking preferred products.
const PREFERENCE_HALF_LIFE_DAYS: f64 = 90.0;

/// Product codes with their names and categories, numbered in code order, so a card refers to
/// a product by a small number and ties between products break the same way as by code.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProductLabels {
    codes: Vec<String>,
    labels: Vec<Option<(String, Option<String>)>>,
}

impl ProductLabels {
    /// Numbers the given codes (sorted here, repeats dropped); none has a label yet.
    pub(crate) fn from_codes(mut codes: Vec<String>) -> Self {
        codes.sort_unstable();
        codes.dedup();
        let labels = vec![None; codes.len()];
        Self { codes, labels }
    }

    /// Numbers products given with their labels, sorted by code.
    pub(crate) fn from_sorted(products: Vec<(String, String, Option<String>)>) -> Self {
        let mut out = Self::default();
        for (code, name, category) in products {
            out.codes.push(code);
            out.labels.push(Some((name, category)));
        }
        out
    }

    /// The number of a code.
    pub(crate) fn index(&self, code: &str) -> Option<u32> {
        let i = self.codes.binary_search_by(|c| c.as_str().cmp(code)).ok()?;
        u32::try_from(i).ok()
    }

    /// Every code's number, for many lookups.
    pub(crate) fn numbers(&self) -> std::collections::HashMap<&str, u32> {
        self.codes.iter().enumerate().map(|(i, c)| (c.as_str(), u32::try_from(i).unwrap_or(u32::MAX))).collect()
    }

    /// The code of a number.
    pub(crate) fn code(&self, index: u32) -> &str {
        self.codes.get(index as usize).map_or("", String::as_str)
    }

    /// Sets the label of a numbered product.
    pub(crate) fn set(&mut self, index: u32, name: String, category: Option<String>) {
        if let Some(slot) = self.labels.get_mut(index as usize) {
            *slot = Some((name, category));
        }
    }

    /// The product's name, or its code when it has none.
    fn name(&self, index: u32) -> String {
        match self.labels.get(index as usize) {
            Some(Some((name, _))) => name.clone(),
            _ => self.code(index).to_owned(),
        }
    }

    fn category(&self, index: u32) -> Option<String> {
        self.labels.get(index as usize).and_then(|l| l.as_ref()).and_then(|(_, c)| c.clone())
    }
}

/// RFM scores from the refresh.
#[derive(Debug, Clone)]
pub(crate) struct RfmFacts {
    pub recency: i32,
    pub frequency: i32,
    pub monetary: i32,
    pub segment: RfmSegment,
}

impl RfmFacts {
    /// The stored scores, when complete.
    pub(crate) fn of(row: &crm_storage::CustomerAnalyticsRow) -> Option<Self> {
        Some(Self {
            recency: row.recency_score?,
            frequency: row.frequency_score?,
            monetary: row.monetary_score?,
            segment: RfmSegment::from_name(row.rfm_segment.as_deref()?)?,
        })
    }
}

/// A favourite product (a [`Preference`] without the ranking score).
#[derive(Debug, Clone)]
pub(crate) struct PreferredFacts {
    pub product: u32,
    pub last_bought: NaiveDate,
    pub quantity: i64,
    pub times_bought: i64,
}

impl From<&Preference<u32>> for PreferredFacts {
    fn from(p: &Preference<u32>) -> Self {
        Self { product: p.product, last_bought: p.last_bought, quantity: p.quantity, times_bought: p.times_bought }
    }
}

/// A line of the last purchase.
#[derive(Debug, Clone)]
pub(crate) struct LineFacts {
    pub product: u32,
    /// The name on the receipt, when the POS sent one.
    pub name: Option<Box<str>>,
    pub quantity: i64,
    pub unit_price_e4: i64,
}

/// The last completed purchase.
#[derive(Debug, Clone)]
pub(crate) struct LastSaleFacts {
    pub sale_id: i64,
    pub created_at: NaiveDateTime,
    pub local_date: NaiveDate,
    pub total_cents: i64,
    pub lines: Vec<LineFacts>,
}

impl LastSaleFacts {
    /// Whether a sale comes after this one (later, or as late with a higher id).
    pub(crate) fn is_before(&self, created_at: NaiveDateTime, sale_id: i64) -> bool {
        (self.created_at, self.sale_id) < (created_at, sale_id)
    }
}

/// Everything a card shows, products as numbers in a [`ProductLabels`].
#[derive(Debug, Clone)]
pub(crate) struct CardFacts {
    pub name: Option<Box<str>>,
    pub segment: SegmentName,
    pub rfm: Option<RfmFacts>,
    pub summary: Option<PurchaseSummary>,
    pub last: Option<LastSaleFacts>,
    pub preferred: Box<[PreferredFacts]>,
    pub recommendations: Box<[Recommendation<u32>]>,
    pub tags: Box<[Box<str>]>,
}

impl CardFacts {
    /// Every product the card names.
    pub(crate) fn products(&self) -> impl Iterator<Item = u32> + '_ {
        let last = self.last.iter().flat_map(|l| l.lines.iter().map(|line| line.product));
        let preferred = self.preferred.iter().map(|p| p.product);
        let suggested = self.recommendations.iter().flat_map(|r| [r.product, r.because]);
        last.chain(preferred).chain(suggested)
    }
}

/// What the purchase history gives: totals, favourites and suggestions.
pub(crate) struct PurchaseFacts {
    pub summary: Option<PurchaseSummary>,
    pub preferred: Vec<Preference<u32>>,
    pub recommendations: Vec<Recommendation<u32>>,
}

/// The customer's favourite products as of `today`, best first.
pub(crate) fn favourites(bought: &[BoughtLine<u32>], today: NaiveDate) -> Vec<Preference<u32>> {
    preferred_products(bought, today, PREFERENCE_HALF_LIFE_DAYS, PREFERRED)
}

/// Summarises purchases and lines (any order), ranks favourites as of `today`, and
/// recommends from the pairs that `pairs_for(favourites)` returns (best first).
pub(crate) fn purchase_facts(
    purchases: &[Purchase],
    bought: &[BoughtLine<u32>],
    today: NaiveDate,
    pairs_for: impl FnOnce(&[u32]) -> Vec<Pair<u32>>,
) -> PurchaseFacts {
    let preferred = favourites(bought, today);
    let mut owned: Vec<u32> = bought.iter().map(|b| b.product).collect();
    owned.sort_unstable();
    owned.dedup();
    let anchors: Vec<u32> = preferred.iter().map(|p| p.product).collect();
    let pairs = if anchors.is_empty() { Vec::new() } else { pairs_for(&anchors) };
    let recommendations = recommend(&pairs, &owned, RECOMMENDED);
    PurchaseFacts { summary: summarize(purchases), preferred, recommendations }
}

/// Draws the card as of `today` (days since the last purchase, lapse and churn risk move
/// with the date; nothing else does).
pub(crate) fn render(
    customer_id: i64,
    facts: &CardFacts,
    labels: &ProductLabels,
    today: NaiveDate,
    rules: &SegmentRules,
    default_gap: f64,
    analytics_as_of: Option<NaiveDate>,
) -> CustomerInsightsResponse {
    let summary = facts.summary;
    CustomerInsightsResponse {
        customer_id,
        name: facts.name.as_deref().map(str::to_owned),
        segment: facts.segment,
        lapsed: summary.is_some_and(|s| (today - s.last_purchase).num_days() > rules.lapsed_after_days),
        rfm: facts.rfm.as_ref().map(|r| RfmView {
            recency: r.recency,
            frequency: r.frequency,
            monetary: r.monetary,
            segment: r.segment.name().to_owned(),
        }),
        total_spent: Money::from_cents(summary.map_or(0, |s| s.total_spent_cents)).to_decimal(),
        visit_count: summary.map_or(0, |s| s.visits),
        average_basket: Money::from_cents(summary.map_or(0, |s| s.average_basket_cents)).to_decimal(),
        first_purchase: summary.map(|s| s.first_purchase),
        last_purchase: facts.last.as_ref().map(|sale| LastPurchaseView {
            sale_id: sale.sale_id,
            date: sale.local_date,
            created_at: sale.created_at.and_utc(),
            amount: Money::from_cents(sale.total_cents).to_decimal(),
            items: sale
                .lines
                .iter()
                .map(|l| PurchaseLineView {
                    product_id: labels.code(l.product).to_owned(),
                    product_name: l.name.as_deref().map_or_else(|| labels.name(l.product), str::to_owned),
                    quantity: l.quantity,
                    unit_price: UnitPrice::from_ten_thousandths(l.unit_price_e4).to_decimal(),
                })
                .collect(),
        }),
        preferred_products: facts
            .preferred
            .iter()
            .map(|p| PreferredProductView {
                product_id: labels.code(p.product).to_owned(),
                name: labels.name(p.product),
                category: labels.category(p.product),
                quantity: p.quantity,
                times_bought: p.times_bought,
                last_bought: p.last_bought,
            })
            .collect(),
        purpose_tags: facts.tags.iter().map(|t| t.to_string()).collect(),
        recommendations: facts
            .recommendations
            .iter()
            .map(|r| RecommendationView {
                product_id: labels.code(r.product).to_owned(),
                name: labels.name(r.product),
                because_of: labels.code(r.because).to_owned(),
                lift: r.lift,
                confidence: r.confidence,
            })
            .collect(),
        churn_risk: summary.map(|s| {
            let risk = churn_risk(&s, today, default_gap);
            ChurnRiskView {
                level: risk.level.as_str().to_owned(),
                days_since_last_purchase: risk.days_since_last,
                expected_gap_days: risk.expected_gap_days,
            }
        }),
        analytics_as_of,
    }
}
