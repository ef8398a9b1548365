//! `GET /api/customers/{id}/insights`: the card a cashier sees at checkout.

use super::SegmentName;
use crate::{ApiError, AppState, ReadErrors};
use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use crm_analytics::basket::{Pair, recommend};
use crm_analytics::customer::{BoughtLine, Purchase, churn_risk, preferred_products, summarize};
use crm_analytics::segments::{CustomerActivity, SegmentRules, assign_segments};
use crm_domain::{Money, UnitPrice};
use crm_storage::reads;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use utoipa::ToSchema;

/// Preferred products shown on the card.
const PREFERRED: usize = 5;
/// Recommendations shown on the card.
const RECOMMENDED: usize = 5;
/// Age at which a purchase counts half when ranking preferred products.
const PREFERENCE_HALF_LIFE_DAYS: f64 = 90.0;

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
    pub segment: SegmentName,
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
    /// The store-local day of the analytics refresh behind `segment` and `rfm`.
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
    pub segment: String,
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
    /// `low` (under 1.5 usual gaps since the last visit), `medium` (under 3) or `high`.
    pub level: String,
    /// Days since the last purchase.
    pub days_since_last_purchase: i64,
    /// The customer's usual days between visits (median), or the default of 30.
    pub expected_gap_days: f64,
}

/// Customer insights
///
/// The checkout card: segment, RFM scores, totals, visits, average basket, first and last
/// purchase (with its lines), preferred products, purpose tags, recommendations and churn
/// risk. Segment and RFM come from the last analytics refresh; everything else is read
/// live, so a sale synced a second ago already shows.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1)),
    responses(
        (status = 200, description = "The insight card", body = CustomerInsightsResponse),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        ReadErrors,
    )
)]
#[get("/customers/{id}/insights")]
pub async fn get_customer_insights(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<CustomerInsightsResponse>, ApiError> {
    let id = id.into_inner();
    let today = state.zone.today(Utc::now());
    let rules = state.analytics.segments;
    let default_gap = state.analytics.default_gap_days;
    let card = state.read(move |conn| build(conn, id, today, &rules, default_gap)).await?;
    card.map(web::Json).ok_or_else(|| ApiError::NotFound(format!("no customer with id {id}")))
}

fn build(
    conn: &mut crm_storage::Conn,
    id: i64,
    today: NaiveDate,
    rules: &SegmentRules,
    default_gap: f64,
) -> Result<Option<CustomerInsightsResponse>, crm_storage::StorageError> {
    let Some(profile) = reads::customer_profile(conn, id)? else {
        return Ok(None);
    };
    let (sales, lines) = reads::customer_purchases(conn, id)?;
    let purpose_tags = reads::customer_tag_list(conn, id)?;
    let as_of = crm_storage::last_analytics_run(conn)?.map(|run| run.as_of);

    let day_of: HashMap<i64, NaiveDate> = sales.iter().map(|s| (s.id, s.local_date)).collect();
    let purchases: Vec<Purchase> =
        sales.iter().map(|s| Purchase { date: s.local_date, total_cents: s.total_cents }).collect();
    let bought: Vec<BoughtLine<String>> = lines
        .iter()
        .filter_map(|l| {
            Some(BoughtLine { product: l.product_id.clone(), date: *day_of.get(&l.sale_id)?, quantity: l.quantity })
        })
        .collect();
    let preferred = preferred_products(&bought, today, PREFERENCE_HALF_LIFE_DAYS, PREFERRED);
    let owned: Vec<String> = bought.iter().map(|b| b.product.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let anchors: Vec<String> = preferred.iter().map(|p| p.product.clone()).collect();
    let pairs: Vec<Pair<String>> = reads::pairs_with(conn, &anchors, 200)?
        .into_iter()
        .map(|row| Pair {
            a: row.product_a,
            b: row.product_b,
            together: u64::try_from(row.together).unwrap_or(0),
            baskets_with_a: u64::try_from(row.baskets_with_a).unwrap_or(0),
            baskets_with_b: u64::try_from(row.baskets_with_b).unwrap_or(0),
            lift: row.lift,
        })
        .collect();
    let suggestions = recommend(&pairs, &owned, RECOMMENDED);

    let last = sales.last();
    let mut wanted: Vec<String> = preferred.iter().map(|p| p.product.clone()).collect();
    wanted.extend(suggestions.iter().map(|s| s.product.clone()));
    let names = reads::product_names(conn, &wanted)?;
    let name_of = |id: &str| names.get(id).map_or_else(|| id.to_owned(), |(name, _)| name.clone());

    let summary = summarize(&purchases);
    let refreshed = profile.analytics.as_ref().and_then(|a| crm_analytics::segments::Segment::from_name(&a.segment));
    let segment = match refreshed {
        Some(segment) => segment.into(),
        None => {
            // Synced after the last refresh: apply the rules that need no other customer.
            let activity = CustomerActivity {
                first_purchase: summary.map(|s| s.first_purchase),
                last_purchase: summary.map(|s| s.last_purchase),
                ..CustomerActivity::default()
            };
            let no_vip = SegmentRules { vip_top_fraction: 0.0, ..*rules };
            assign_segments(&[activity], today, &no_vip).first().copied().map_or(SegmentName::Prospect, Into::into)
        }
    };
    let lapsed = summary.is_some_and(|s| (today - s.last_purchase).num_days() > rules.lapsed_after_days);
    let rfm = profile.analytics.as_ref().and_then(|a| {
        Some(RfmView {
            recency: a.recency_score?,
            frequency: a.frequency_score?,
            monetary: a.monetary_score?,
            segment: a.rfm_segment.clone()?,
        })
    });
    Ok(Some(CustomerInsightsResponse {
        customer_id: profile.id,
        name: profile.name.clone(),
        segment,
        lapsed,
        rfm,
        total_spent: Money::from_cents(summary.map_or(0, |s| s.total_spent_cents)).to_decimal(),
        visit_count: summary.map_or(0, |s| s.visits),
        average_basket: Money::from_cents(summary.map_or(0, |s| s.average_basket_cents)).to_decimal(),
        first_purchase: summary.map(|s| s.first_purchase),
        last_purchase: last.map(|sale| LastPurchaseView {
            sale_id: sale.id,
            date: sale.local_date,
            created_at: sale.created_at.and_utc(),
            amount: Money::from_cents(sale.total_cents).to_decimal(),
            items: lines
                .iter()
                .filter(|l| l.sale_id == sale.id)
                .map(|l| PurchaseLineView {
                    product_id: l.product_id.clone(),
                    product_name: l.product_name.clone().unwrap_or_else(|| name_of(&l.product_id)),
                    quantity: l.quantity,
                    unit_price: UnitPrice::from_ten_thousandths(l.unit_price_e4).to_decimal(),
                })
                .collect(),
        }),
        preferred_products: preferred
            .iter()
            .map(|p| PreferredProductView {
                product_id: p.product.clone(),
                name: name_of(&p.product),
                category: names.get(&p.product).and_then(|(_, c)| c.clone()),
                quantity: p.quantity,
                times_bought: p.times_bought,
                last_bought: p.last_bought,
            })
            .collect(),
        purpose_tags,
        recommendations: suggestions
            .iter()
            .map(|s| RecommendationView {
                product_id: s.product.clone(),
                name: name_of(&s.product),
                because_of: s.because.clone(),
                lift: s.lift,
                confidence: s.confidence,
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
        analytics_as_of: as_of,
    }))
}
