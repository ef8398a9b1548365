//! `GET /api/customers/{id}/insights`: the card a cashier sees at checkout.

use super::SegmentName;
use super::card::{
    CardFacts, LastSaleFacts, LineFacts, PAIRS_CONSIDERED, ProductLabels, RfmFacts, favourites, purchase_facts,
};
use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::{DateTime, NaiveDate, Utc};
use crm_analytics::basket::Pair;
use crm_analytics::customer::{BoughtLine, Purchase};
use crm_analytics::segments::{CustomerActivity, SegmentRules, assign_segments};
use crm_storage::reads;
use serde::Serialize;
use std::collections::HashMap;
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
/// risk. Segment, RFM and rule tags come from the last analytics refresh; everything else
/// is current, so a sale synced a second ago already shows. Cards are prepared for every
/// customer by the refresh and served from memory; a customer whose sales, profile or tags
/// changed since is read from the store instead, with the same result.
#[utoipa::path(
    get,
    path = "/api/customers/{id}/insights",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1)),
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
    let id = id.into_inner();
    let today = state.zone.today(Utc::now());
    let rules = state.analytics.segments;
    let default_gap = state.analytics.default_gap_days;
    if let Some(card) = state.cards.render(id, today, &rules, default_gap) {
        state.metrics.count_card(true);
        return Ok(web::Json(card));
    }
    state.metrics.count_card(false);
    let card = state.read(move |conn| read_card(conn, id, today, &rules, default_gap)).await?;
    card.map(web::Json).ok_or_else(|| ApiError::NotFound(format!("no customer with id {id}")))
}

/// Reads one customer's card from the store.
pub(crate) fn read_card(
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
    let tags = reads::customer_tag_list(conn, id)?;
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
    let pairs: Vec<Pair<u32>> = pair_rows
        .iter()
        .map(|row| Pair {
            a: index(&labels, &row.product_a),
            b: index(&labels, &row.product_b),
            together: u64::try_from(row.together).unwrap_or(0),
            baskets_with_a: u64::try_from(row.baskets_with_a).unwrap_or(0),
            baskets_with_b: u64::try_from(row.baskets_with_b).unwrap_or(0),
            lift: row.lift,
        })
        .collect();
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
    let segment = match profile.analytics.as_ref().and_then(|a| SegmentName::from_name(&a.segment)) {
        Some(segment) => segment,
        None => {
            // Synced after the last refresh: apply the rules that need no other customer.
            let activity = CustomerActivity {
                first_purchase: facts.summary.map(|s| s.first_purchase),
                last_purchase: facts.summary.map(|s| s.last_purchase),
                ..CustomerActivity::default()
            };
            let no_vip = SegmentRules { vip_top_fraction: 0.0, ..*rules };
            assign_segments(&[activity], today, &no_vip).first().copied().map_or(SegmentName::Prospect, Into::into)
        }
    };
    let card = CardFacts {
        name: profile.name.as_deref().map(Into::into),
        segment,
        rfm: profile.analytics.as_ref().and_then(RfmFacts::of),
        summary: facts.summary,
        last,
        preferred: facts.preferred.iter().map(Into::into).collect(),
        recommendations: facts.recommendations.into(),
        tags: tags.into_iter().map(Into::into).collect(),
    };
    let named: Vec<String> = card.products().map(|p| labels.code(p).to_owned()).collect();
    for (code, (name, category)) in reads::product_names(conn, &named)? {
        if let Some(i) = labels.index(&code) {
            labels.set(i, name, category);
        }
    }
    Ok(Some(super::card::render(id, &card, &labels, today, rules, default_gap, as_of)))
}
