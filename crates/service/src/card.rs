//! The insight card a cashier sees at checkout: what it shows ([`InsightCard`]), the facts
//! it is drawn from ([`CardFacts`]) and how a card is read for one customer from the store.
//! The card is drawn from the same facts whether they were read for one customer at request
//! time or for every customer by the analytics refresh (see [`crate::cards`]), so the two
//! can never disagree.

use crate::Service;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use crm_analytics::basket::{Pair, Recommendation, recommend};
use crm_analytics::customer::{
    BoughtLine, ChurnRisk, Preference, Purchase, PurchaseSummary, churn_risk, model_churn_risk, preferred_products,
    summarize,
};
use crm_analytics::segments::{CustomerActivity, SegmentRules, assign_segments};
use crm_domain::{CustomerAnalytics, CustomerId, Money, ProductId, RfmSegment, SaleId, Segment, UnitPrice};
use crm_storage::{Conn, StorageError, reads};
use std::collections::HashMap;

/// Everything the POS shows about a customer at checkout.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightCard {
    /// The POS's customer id.
    pub customer_id: CustomerId,
    /// Name (absent while the customer is known only from sales).
    pub name: Option<String>,
    /// The seed's segment.
    pub segment: Segment,
    /// No purchase for longer than the lapse limit.
    pub lapsed: bool,
    /// RFM scores and segment (absent before the first purchase or the first refresh).
    pub rfm: Option<RfmScores>,
    /// Spent on completed purchases.
    pub total_spent: Money,
    /// Completed purchases.
    pub visit_count: i64,
    /// Mean receipt total (0 without purchases).
    pub average_basket: Money,
    /// Day of the first completed purchase.
    pub first_purchase: Option<NaiveDate>,
    /// The last completed purchase with its lines.
    pub last_purchase: Option<LastPurchase>,
    /// Favourite products, by units bought weighted by recency.
    pub preferred_products: Vec<PreferredProduct>,
    /// Purpose tags: manual ones and those given by the rules, sorted.
    pub purpose_tags: Vec<String>,
    /// Products bought with the customer's favourites that the customer has not bought.
    pub recommendations: Vec<Suggestion>,
    /// How likely the customer is to have stopped coming (absent without purchases): the
    /// customer-value model's P(alive) for a customer with a repeat purchase, else the
    /// rule on days since the last visit.
    pub churn_risk: Option<ChurnRisk>,
    /// The customer's value as the last refresh computed it (absent without a purchase or
    /// where the models could not be fitted).
    pub value: Option<CardValue>,
    /// The store-local day of the analytics refresh behind `segment` and `rfm`.
    pub analytics_as_of: Option<NaiveDate>,
}

/// RFM scores, 1-5 with 5 best, and the named segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RfmScores {
    /// Recency score.
    pub recency: i32,
    /// Frequency score.
    pub frequency: i32,
    /// Monetary score.
    pub monetary: i32,
    /// Named segment.
    pub segment: RfmSegment,
}

impl RfmScores {
    /// The stored scores, when complete.
    pub(crate) fn of(row: &CustomerAnalytics) -> Option<Self> {
        Some(Self {
            recency: row.recency_score?,
            frequency: row.frequency_score?,
            monetary: row.monetary_score?,
            segment: row.rfm_segment?,
        })
    }
}

/// The customer-value model's figures on the card, over the refresh's horizon.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CardValue {
    /// Probability the customer is still buying.
    pub p_alive: f64,
    /// Purchase days expected in the horizon.
    pub expected_purchases: f64,
    /// Spend expected in the horizon (absent without a spend model).
    pub expected_value: Option<Money>,
    /// Days the expectations cover.
    pub horizon_days: u32,
    /// Days with a purchase, as the refresh counted them: the model answers churn risk
    /// only from the second one.
    pub purchase_days: i64,
}

impl CardValue {
    /// The stored value of a customer, when there is one.
    pub(crate) fn of(row: &CustomerAnalytics) -> Option<Self> {
        let value = row.value?;
        Some(Self {
            p_alive: value.p_alive,
            expected_purchases: value.expected_purchases,
            expected_value: value.expected_value_cents.map(Money::from_cents),
            horizon_days: crate::DEFAULT_VALUE_HORIZON_DAYS,
            purchase_days: row.purchase_days,
        })
    }
}

/// The last purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct LastPurchase {
    /// The POS's sale id.
    pub sale_id: SaleId,
    /// The store-local day.
    pub date: NaiveDate,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// The receipt total.
    pub amount: Money,
    /// Its lines.
    pub items: Vec<PurchaseLine>,
}

/// A line of a purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseLine {
    /// Product code.
    pub product_id: ProductId,
    /// The name on the receipt, else the catalogue's, else the code.
    pub product_name: String,
    /// Units.
    pub quantity: i64,
    /// Unit price.
    pub unit_price: UnitPrice,
}

/// A favourite product.
#[derive(Debug, Clone, PartialEq)]
pub struct PreferredProduct {
    /// Product code.
    pub product_id: ProductId,
    /// Name (the code when the catalogue has none).
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Units bought in all.
    pub quantity: i64,
    /// Receipts it was on.
    pub times_bought: i64,
    /// The last day it was bought.
    pub last_bought: NaiveDate,
}

/// A product to suggest.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Product code.
    pub product_id: ProductId,
    /// Name.
    pub name: String,
    /// The customer's product it is bought with.
    pub because_of: ProductId,
    /// How much more often the two are bought together than by chance.
    pub lift: f64,
    /// Share of baskets with `because_of` that also hold this product.
    pub confidence: f64,
}

impl Service {
    /// The customer's card when the last refresh prepared it and it is still exactly what
    /// the store holds: from the process's cache, else its row read on the calling
    /// thread's own connection (no wait for the pool: for the async thread). `None` also
    /// when that read failed (logged): [`Service::card`] then answers.
    pub fn prepared_card(&self, customer: CustomerId) -> Option<InsightCard> {
        let (rules, gap) = (self.config.segments, self.config.default_gap_days);
        match self.cards.render((&self.db, true), customer, self.today(), &rules, gap) {
            Ok(card) => card,
            Err(error) => {
                log::warn!("customer {customer}'s prepared card: {}", crm_storage::error_chain(&error));
                None
            }
        }
    }

    /// The customer's card when the last refresh prepared it, it is still exactly what the
    /// store holds, and the process holds it (no database read).
    pub fn cached_card(&self, customer: CustomerId) -> Option<InsightCard> {
        self.cards.cached(customer, self.today(), &self.config.segments, self.config.default_gap_days)
    }

    /// The customer's card: the prepared one when it is still exactly what the store holds
    /// (from the process's cache, else its row through the read pool), else read from the
    /// store. Says which it was (`true`: prepared).
    pub fn card(&self, customer: CustomerId) -> Result<(InsightCard, bool), crate::ServiceError> {
        let (rules, gap) = (self.config.segments, self.config.default_gap_days);
        if let Some(card) = self.cards.render((&self.db, false), customer, self.today(), &rules, gap)? {
            return Ok((card, true));
        }
        Ok((self.stored_card(customer)?, false))
    }

    /// The customer's card read from the store.
    pub fn stored_card(&self, customer: CustomerId) -> Result<InsightCard, crate::ServiceError> {
        let today = self.today();
        let (rules, gap) = (self.config.segments, self.config.default_gap_days);
        self.db
            .read(|conn| read_card(conn, customer, today, &rules, gap))?
            .ok_or_else(|| crate::ServiceError::NotFound(format!("no customer with id {customer}")))
    }
}

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
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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

    /// The id of a number (its code, as the store holds it).
    fn product_id(&self, index: u32) -> ProductId {
        ProductId::from_stored(self.code(index))
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

/// A favourite product (a [`Preference`] without the ranking score).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LineFacts {
    pub product: u32,
    /// The name on the receipt, when the POS sent one.
    pub name: Option<Box<str>>,
    pub quantity: i64,
    pub unit_price_e4: i64,
}

/// The last completed purchase.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CardFacts {
    pub name: Option<Box<str>>,
    pub segment: Segment,
    pub rfm: Option<RfmScores>,
    pub summary: Option<PurchaseSummary>,
    pub last: Option<LastSaleFacts>,
    pub preferred: Box<[PreferredFacts]>,
    pub recommendations: Box<[Recommendation<u32>]>,
    pub tags: Box<[Box<str>]>,
    pub value: Option<CardValue>,
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
    customer_id: CustomerId,
    facts: &CardFacts,
    labels: &ProductLabels,
    today: NaiveDate,
    rules: &SegmentRules,
    default_gap: f64,
    analytics_as_of: Option<NaiveDate>,
) -> InsightCard {
    let summary = facts.summary;
    InsightCard {
        customer_id,
        name: facts.name.as_deref().map(str::to_owned),
        segment: facts.segment,
        lapsed: summary.is_some_and(|s| (today - s.last_purchase).num_days() > rules.lapsed_after_days),
        rfm: facts.rfm,
        total_spent: Money::from_cents(summary.map_or(0, |s| s.total_spent_cents)),
        visit_count: summary.map_or(0, |s| s.visits),
        average_basket: Money::from_cents(summary.map_or(0, |s| s.average_basket_cents)),
        first_purchase: summary.map(|s| s.first_purchase),
        last_purchase: facts.last.as_ref().map(|sale| LastPurchase {
            sale_id: SaleId::from_stored(sale.sale_id),
            date: sale.local_date,
            created_at: sale.created_at.and_utc(),
            amount: Money::from_cents(sale.total_cents),
            items: sale
                .lines
                .iter()
                .map(|l| PurchaseLine {
                    product_id: labels.product_id(l.product),
                    product_name: l.name.as_deref().map_or_else(|| labels.name(l.product), str::to_owned),
                    quantity: l.quantity,
                    unit_price: UnitPrice::from_ten_thousandths(l.unit_price_e4),
                })
                .collect(),
        }),
        preferred_products: facts
            .preferred
            .iter()
            .map(|p| PreferredProduct {
                product_id: labels.product_id(p.product),
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
            .map(|r| Suggestion {
                product_id: labels.product_id(r.product),
                name: labels.name(r.product),
                because_of: labels.product_id(r.because),
                lift: r.lift,
                confidence: r.confidence,
            })
            .collect(),
        churn_risk: summary.map(|s| {
            let rule = churn_risk(&s, today, default_gap);
            match facts.value {
                Some(value) if value.purchase_days > 1 => model_churn_risk(rule, value.p_alive),
                _ => rule,
            }
        }),
        value: facts.value,
        analytics_as_of,
    }
}

/// Reads one customer's card from the store.
pub(crate) fn read_card(
    conn: &mut Conn,
    id: CustomerId,
    today: NaiveDate,
    rules: &SegmentRules,
    default_gap: f64,
) -> Result<Option<InsightCard>, StorageError> {
    let Some(profile) = reads::customer_profile(conn, id)? else {
        return Ok(None);
    };
    let (sales, lines) = reads::customer_purchases(conn, id.get())?;
    let tags = reads::customer_tag_list(conn, id.get())?;
    let as_of = crm_storage::last_analytics_run(conn)?.map(|run| run.as_of);

    let day_of: HashMap<i64, NaiveDate> = sales.iter().map(|s| (s.id, s.local_date)).collect();
    let purchases: Vec<Purchase> =
        sales.iter().map(|s| Purchase { date: s.local_date, total_cents: s.total_cents }).collect();
    let line_codes = || lines.iter().map(|l| l.product_id.clone());
    let index = |labels: &ProductLabels, code: &str| labels.index(code).unwrap_or(u32::MAX);
    let bought_with = |labels: &ProductLabels| -> Vec<BoughtLine<u32>> {
        lines
            .iter()
            .filter_map(|l| {
                let date = *day_of.get(&l.sale_id)?;
                Some(BoughtLine { product: index(labels, &l.product_id), date, quantity: l.quantity })
            })
            .collect()
    };

    // The favourites decide which pairs to read; the products of those pairs join the numbering.
    let bought_only = ProductLabels::from_codes(line_codes().collect());
    let anchors: Vec<String> =
        favourites(&bought_with(&bought_only), today).iter().map(|p| bought_only.code(p.product).to_owned()).collect();
    let pair_rows = if anchors.is_empty() {
        Vec::new()
    } else {
        reads::pairs_with(conn, &anchors, i64::try_from(PAIRS_CONSIDERED).unwrap_or(i64::MAX))?
    };
    let mut labels = ProductLabels::from_codes(
        line_codes().chain(pair_rows.iter().flat_map(|r| [r.product_a.clone(), r.product_b.clone()])).collect(),
    );
    let pairs: Vec<Pair<u32>> = pair_rows.iter().filter_map(|row| numbered_pair(row, &labels)).collect();
    let facts = purchase_facts(&purchases, &bought_with(&labels), today, |_| pairs);

    let last = sales.last().map(|sale| LastSaleFacts {
        sale_id: sale.id,
        created_at: sale.created_at,
        local_date: sale.local_date,
        total_cents: sale.total_cents,
        lines: lines
            .iter()
            .filter(|l| l.sale_id == sale.id)
            .map(|l| LineFacts {
                product: index(&labels, &l.product_id),
                name: l.product_name.as_deref().map(Into::into),
                quantity: l.quantity,
                unit_price_e4: l.unit_price_e4,
            })
            .collect(),
    });
    let segment = match profile.analytics.as_ref().map(|a| a.segment) {
        Some(segment) => segment,
        None => {
            // Synced after the last refresh: apply the rules that need no other customer.
            let activity = CustomerActivity {
                first_purchase: facts.summary.map(|s| s.first_purchase),
                last_purchase: facts.summary.map(|s| s.last_purchase),
                ..CustomerActivity::default()
            };
            let no_vip = SegmentRules { vip_top_fraction: 0.0, ..*rules };
            assign_segments(&[activity], today, &no_vip).first().copied().unwrap_or(Segment::Prospect)
        }
    };
    let card = CardFacts {
        name: profile.name.as_deref().map(Into::into),
        segment,
        rfm: profile.analytics.as_ref().and_then(RfmScores::of),
        summary: facts.summary,
        last,
        preferred: facts.preferred.iter().map(Into::into).collect(),
        recommendations: facts.recommendations.into(),
        tags: tags.into_iter().map(Into::into).collect(),
        value: profile.analytics.as_ref().and_then(CardValue::of),
    };
    let named: Vec<String> = card.products().map(|p| labels.code(p).to_owned()).collect();
    for (code, (name, category)) in reads::product_names(conn, &named)? {
        if let Some(i) = labels.index(&code) {
            labels.set(i, name, category);
        }
    }
    Ok(Some(render(id, &card, &labels, today, rules, default_gap, as_of)))
}

/// A stored pair with its products numbered by `labels` (`None` when either is not numbered).
pub(crate) fn numbered_pair(row: &crm_storage::ProductPairRow, labels: &ProductLabels) -> Option<Pair<u32>> {
    Some(Pair {
        a: labels.index(&row.product_a)?,
        b: labels.index(&row.product_b)?,
        together: u64::try_from(row.together).unwrap_or(0),
        baskets_with_a: u64::try_from(row.baskets_with_a).unwrap_or(0),
        baskets_with_b: u64::try_from(row.baskets_with_b).unwrap_or(0),
        lift: row.lift,
    })
}
