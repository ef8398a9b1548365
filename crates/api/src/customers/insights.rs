//! `GET /api/customers/{id}/insights`: the card a cashier sees at checkout.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::ChurnRisk;
use crm_domain::{ChurnBasis, ChurnLevel, RfmSegment, Segment};
use crm_service::{InsightCard, LastPurchase, PreferredProduct, PurchaseLine, RfmScores, Suggestion};
use serde::Serialize;
use utoipa::ToSchema;

/// Everything the POS shows about a customer at checkout.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerInsightsResponse {
    /// The POS's customer id.
    pub customer_id: i64,
    /// Name (absent while the customer is known only from sales).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `prospect`, `new`, `regular` or `vip`.
    #[schema(value_type = crate::openapi::labels::Segment)]
    pub segment: Segment,
    /// No purchase for longer than the lapse limit (90 days by default).
    pub lapsed: bool,
    /// RFM scores and segment (absent before the first purchase or the first refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rfm: Option<RfmView>,
    /// Spent on completed purchases.
    pub total_spent: f64,
    /// Completed purchases.
    pub visit_count: i64,
    /// Mean receipt total (0 without purchases).
    pub average_basket: f64,
    /// Day of the first completed purchase.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub first_purchase: Option<NaiveDate>,
    /// The last completed purchase with its lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_purchase: Option<LastPurchaseView>,
    /// Favourite products, by units bought weighted by recency.
    pub preferred_products: Vec<PreferredProductView>,
    /// Purpose tags: manual ones and those given by the category rules, sorted.
    pub purpose_tags: Vec<String>,
    /// Products bought together with the customer's favourites that the customer has not bought.
    pub recommendations: Vec<RecommendationView>,
    /// How likely the customer is to have stopped coming (absent without purchases).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub churn_risk: Option<ChurnRiskView>,
    /// Probability the customer is still buying (the BG/NBD model, as of the last refresh;
    /// 1 for a customer who has bought on one day only: the model cannot yet tell). Absent
    /// without a purchase or where the model could not be fitted (too few repeat customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 1)]
    pub p_alive: Option<f64>,
    /// Purchase days expected in the next `valueHorizonDays` (BG/NBD).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub expected_purchases: Option<f64>,
    /// What the customer is expected to spend in the next `valueHorizonDays` (BG/NBD ×
    /// Gamma-Gamma), in the store's currency. Absent where the spend model could not be fitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub expected_value: Option<f64>,
    /// The days `expectedPurchases` and `expectedValue` cover.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub value_horizon_days: Option<u32>,
    /// The store-local day of the analytics refresh behind `segment`, `rfm` and the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub analytics_as_of: Option<NaiveDate>,
}

/// RFM scores, 1-5 with 5 best.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RfmView {
    /// Recency score.
    pub recency: i32,
    /// Frequency score.
    pub frequency: i32,
    /// Monetary score.
    pub monetary: i32,
    /// Named segment, such as `Champions` or `At Risk`.
    #[schema(value_type = crate::openapi::labels::RfmSegment)]
    pub segment: RfmSegment,
}

/// The last purchase.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastPurchaseView {
    /// The POS's sale id.
    pub sale_id: i64,
    /// The store-local day.
    pub date: NaiveDate,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// The receipt total.
    pub amount: f64,
    /// Its lines.
    pub items: Vec<PurchaseLineView>,
}

/// A line of a purchase.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseLineView {
    /// Product code.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Units.
    pub quantity: i64,
    /// Unit price.
    pub unit_price: f64,
}

/// A favourite product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferredProductView {
    /// Product code.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// Category.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub category: Option<String>,
    /// Units bought in all.
    pub quantity: i64,
    /// Receipts it was on.
    pub times_bought: i64,
    /// The last day it was bought.
    pub last_bought: NaiveDate,
}

/// A suggestion.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationView {
    /// Product code.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// The customer's product it is bought with.
    pub because_of: String,
    /// How much more often the two are bought together than by chance.
    pub lift: f64,
    /// Share of baskets with `becauseOf` that also hold this product.
    pub confidence: f64,
}

/// Churn risk and the figures behind it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChurnRiskView {
    /// With basis `model`: `low` (P(alive) 0.7 or more), `medium` (0.3 to 0.7) or `high`
    /// (under 0.3). With basis `rule`: `low` (under 1.5 usual gaps since the last visit),
    /// `medium` (under 3) or `high`.
    #[schema(value_type = crate::openapi::labels::ChurnLevel)]
    pub level: ChurnLevel,
    /// What answered: `model` (the customer-value model's P(alive), for a customer with a
    /// repeat purchase day once the model is fitted) or `rule` (days since the last visit).
    #[schema(value_type = crate::openapi::labels::ChurnBasis)]
    pub basis: ChurnBasis,
    /// The model's P(alive), with basis `model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 1)]
    pub p_alive: Option<f64>,
    /// Days since the last purchase.
    pub days_since_last_purchase: i64,
    /// The customer's usual days between visits (median), or the default of 30.
    pub expected_gap_days: f64,
}

/// Customer insights
///
/// The checkout card: segment, RFM scores, totals, visits, average basket, first and last
/// purchase (with its lines), preferred products, purpose tags, recommendations and churn
/// risk. Segment, RFM and rule tags come from the last analytics refresh; everything else
/// is current, so a sale synced a second ago already shows. Cards are prepared for every
/// customer by the refresh and served from memory; a customer whose sales, profile or tags
/// changed since is read from the store instead, with the same result.
#[utoipa::path(
    get,
    path = "/api/customers/{id}/insights",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1, maximum = 9_007_199_254_740_991_i64)),
    responses(
        (status = 200, description = "The insight card", body = CustomerInsightsResponse),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        ReadErrors,
    )
)]
pub async fn get_customer_insights(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<CustomerInsightsResponse>, ApiError> {
    let id = crate::extract::customer_id(id.into_inner())?;
    // A prepared card is served here, on the async thread: from the process's cache, else
    // its row read on this thread's own connection (one primary-key read, no pool wait);
    // a card that must be drawn from the store goes to the blocking pool.
    if let Some(card) = state.service.prepared_card(id) {
        state.metrics.count_card(true);
        return Ok(web::Json(card.into()));
    }
    let (card, prepared) = state.read(move |service| service.card(id)).await?;
    state.metrics.count_card(prepared);
    Ok(web::Json(card.into()))
}

impl From<InsightCard> for CustomerInsightsResponse {
    fn from(card: InsightCard) -> Self {
        Self {
            customer_id: card.customer_id.get(),
            name: card.name,
            segment: card.segment,
            lapsed: card.lapsed,
            rfm: card.rfm.map(Into::into),
            total_spent: card.total_spent.to_decimal(),
            visit_count: card.visit_count,
            average_basket: card.average_basket.to_decimal(),
            first_purchase: card.first_purchase,
            last_purchase: card.last_purchase.map(Into::into),
            preferred_products: card.preferred_products.into_iter().map(Into::into).collect(),
            purpose_tags: card.purpose_tags,
            recommendations: card.recommendations.into_iter().map(Into::into).collect(),
            churn_risk: card.churn_risk.map(Into::into),
            p_alive: card.value.map(|v| round_probability(v.p_alive)),
            expected_purchases: card.value.map(|v| round_figure(v.expected_purchases)),
            expected_value: card.value.and_then(|v| v.expected_value).map(|m| m.to_decimal()),
            value_horizon_days: card.value.map(|v| v.horizon_days),
            analytics_as_of: card.analytics_as_of,
        }
    }
}

impl From<RfmScores> for RfmView {
    fn from(r: RfmScores) -> Self {
        Self { recency: r.recency, frequency: r.frequency, monetary: r.monetary, segment: r.segment }
    }
}

impl From<LastPurchase> for LastPurchaseView {
    fn from(sale: LastPurchase) -> Self {
        Self {
            sale_id: sale.sale_id.get(),
            date: sale.date,
            created_at: sale.created_at,
            amount: sale.amount.to_decimal(),
            items: sale.items.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<PurchaseLine> for PurchaseLineView {
    fn from(l: PurchaseLine) -> Self {
        Self {
            product_id: l.product_id.into_string(),
            product_name: l.product_name,
            quantity: l.quantity,
            unit_price: l.unit_price.to_decimal(),
        }
    }
}

impl From<PreferredProduct> for PreferredProductView {
    fn from(p: PreferredProduct) -> Self {
        Self {
            product_id: p.product_id.into_string(),
            name: p.name,
            category: p.category,
            quantity: p.quantity,
            times_bought: p.times_bought,
            last_bought: p.last_bought,
        }
    }
}

impl From<Suggestion> for RecommendationView {
    fn from(r: Suggestion) -> Self {
        Self {
            product_id: r.product_id.into_string(),
            name: r.name,
            because_of: r.because_of.into_string(),
            lift: r.lift,
            confidence: r.confidence,
        }
    }
}

impl From<ChurnRisk> for ChurnRiskView {
    fn from(risk: ChurnRisk) -> Self {
        Self {
            level: risk.level,
            basis: risk.basis,
            p_alive: risk.p_alive.map(round_probability),
            days_since_last_purchase: risk.days_since_last,
            expected_gap_days: risk.expected_gap_days,
        }
    }
}

/// A probability as the API shows it: four decimals.
pub(crate) fn round_probability(p: f64) -> f64 {
    (p * 10_000.0).round() / 10_000.0
}

/// An expected count as the API shows it: three decimals.
pub(crate) fn round_figure(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
