//! `GET /api/analytics/reorder`: reorder recommendations, as JSON or as a CSV order list.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use crm_domain::{ReorderStatus, UnitsMethod, spreadsheet_safe};
use crm_service::{ReorderItem, ReorderList};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most lines one response carries.
pub const MAX_REORDER_LIMIT: usize = 100_000;

/// Which lines to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReorderQuery {
    /// Only the products in this state (default: all).
    #[param(value_type = Option<crate::openapi::labels::ReorderStatus>)]
    pub status: Option<ReorderStatus>,
    /// At most this many lines, most urgent first (1-100000; default: all).
    #[param(minimum = 1, maximum = 100_000, example = 50)]
    pub limit: Option<usize>,
}

/// The reorder list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReorderResponse {
    /// The day the list plans from (today in the store's time zone).
    pub as_of: NaiveDate,
    /// Whether the analytics refresh prepared it (`false`: computed for this request).
    pub prepared: bool,
    /// The rules it was computed with.
    pub policy: PolicyView,
    /// Counts over the whole catalogue, whatever the filters.
    pub summary: ReorderSummary,
    /// The lines asked for, most urgent first.
    pub items: Vec<ReorderLine>,
}

/// The store's reorder rules (set at start: `CRM_REORDER_SERVICE_LEVEL`,
/// `CRM_REORDER_REVIEW_DAYS`, `CRM_DEFAULT_LEAD_TIME_DAYS`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// Chance of not running out before an order arrives, in percent.
    #[schema(example = 95.0)]
    pub service_level_percent: f64,
    /// Days until the list is looked at again; an order covers the lead time and these.
    #[schema(example = 7)]
    pub review_days: u32,
    /// Lead time of a product that gives none.
    #[schema(example = 7)]
    pub default_lead_time_days: u32,
}

/// Products per state, and what the recommended orders cost.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReorderSummary {
    /// Products in the catalogue (and products known only from sale lines).
    pub products: usize,
    /// Products to order now.
    pub order_now: usize,
    /// Products with enough stock.
    pub enough: usize,
    /// Products that sell but have no stock level.
    pub no_stock_data: usize,
    /// Products with no sales in the history window.
    pub no_sales_history: usize,
    /// Discontinued products.
    pub discontinued: usize,
    /// Cost of the recommended orders whose unit cost is known.
    pub order_cost: f64,
    /// Recommended orders without a unit cost (not in `orderCost`).
    pub orders_without_cost: usize,
}

/// One product's line.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"productId": "85123A", "name": "White hanging heart T-light holder", "category": "Home",
    "status": "order_now", "stockOnHand": 30, "leadTimeDays": 5, "method": "regression", "daysOfCover": 3.0,
    "leadTimeDemand": 50.0, "safetyStock": 4.2, "reorderPoint": 54.2, "orderQuantity": 108, "packSize": 12,
    "minOrderQuantity": 100, "unitCost": 1.25, "orderCost": 135.0}))]
pub struct ReorderLine {
    /// The product code.
    pub product_id: String,
    /// Display name.
    pub name: String,
    /// Category.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub category: Option<String>,
    /// `order_now`, `enough`, `no_stock_data`, `no_sales_history` or `discontinued`.
    #[schema(value_type = crate::openapi::labels::ReorderStatus)]
    pub status: ReorderStatus,
    /// Units in stock, as last synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub stock_on_hand: Option<i64>,
    /// The lead time used: the product's, or the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lead_time_days: Option<u32>,
    /// How its demand is forecast: `regression` or `intermittent`; absent without sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::labels::UnitsMethod>, nullable = false)]
    pub method: Option<UnitsMethod>,
    /// Days the stock lasts at the forecast demand; absent without a stock level or sales,
    /// or when nothing is forecast to sell.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub days_of_cover: Option<f64>,
    /// Expected units sold over the lead time (events included).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub lead_time_demand: Option<f64>,
    /// Units kept against a demand above the forecast over the lead time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub safety_stock: Option<f64>,
    /// Order when the stock is at or below this.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reorder_point: Option<f64>,
    /// Units to order now (0: none).
    pub order_quantity: i64,
    /// Units per pack.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub pack_size: Option<i64>,
    /// Smallest order accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub min_order_quantity: Option<i64>,
    /// Cost of a unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unit_cost: Option<f64>,
    /// Cost of the recommended order, when there is one and the unit cost is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub order_cost: Option<f64>,
}

/// Reorder recommendations
///
/// For every product: whether its stock lasts the lead time at the store's service level,
/// and how much to order if not. Demand over the lead time (the product's `lead_time_days`,
/// else the default) and the review period comes from the product's daily forecast, calendar
/// events included; days it was out of stock and sold nothing are left out of its history.
/// Safety stock is `z·σ` of that demand over the lead time; the reorder point is the
/// expected demand plus the safety stock. At or below it, the order brings stock up to the
/// demand over the lead time and the review period with its own safety stock, raised to
/// the minimum order and rounded up to whole packs; discontinued products are never
/// ordered. Sorted by days of cover, fewest first; products without a stock level or
/// without sales are listed as such, last. Stock is one level per product as the products
/// sync sends it (per-store stock is not modelled).
///
/// Prepared by the analytics refresh and served as it is. With `Accept: text/csv` the same
/// lines come as a CSV file, one row per product; a text cell that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet shows it
/// rather than running it.
#[utoipa::path(
    get,
    path = "/api/analytics/reorder",
    tag = "analytics",
    params(ReorderQuery),
    responses(
        (status = 200, description = "The reorder list", content(
            (ReorderResponse = "application/json"),
            (String = "text/csv", example = "product_id,name,category,status,stock_on_hand,lead_time_days,days_of_cover,lead_time_demand,safety_stock,reorder_point,order_quantity,pack_size,min_order_quantity,unit_cost,order_cost\n85123A,White hanging heart T-light holder,Home,order_now,30,5,3.00,50.00,4.20,54.20,108,12,100,1.2500,135.00\n"),
        )),
        ReadErrors,
    )
)]
pub async fn get_reorder(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: crate::Query<ReorderQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(MAX_REORDER_LIMIT);
    if !(1..=MAX_REORDER_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "query parameter limit: must be between 1 and {MAX_REORDER_LIMIT}, got {limit}"
        )));
    }
    let (status, csv) = (query.status, wants_csv(&request));
    // Up to 100,000 lines are written out on the blocking pool, beside the list's reading.
    let body = state
        .read(move |service| {
            let list = service.reorder()?;
            let lines: Vec<ReorderLine> =
                list.items.iter().filter(|i| status.is_none_or(|s| i.status == s)).take(limit).map(line).collect();
            Ok(if csv { csv_of(lines) } else { serde_json::to_vec(&response(&list, lines)).map_err(Into::into) })
        })
        .await?
        .map_err(ApiError::internal)?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"reorder.csv\""))
            .body(body));
    }
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

fn wants_csv(request: &HttpRequest) -> bool {
    let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.split(',').any(|range| range.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv"))
}

fn response(list: &ReorderList, items: Vec<ReorderLine>) -> ReorderResponse {
    let [order_now, enough, no_stock_data, no_sales_history, discontinued] = list.counts().map(|(_, n)| n);
    let (order_cost, orders_without_cost) = list.order_cost();
    ReorderResponse {
        as_of: list.as_of,
        prepared: list.prepared,
        policy: PolicyView {
            service_level_percent: (list.policy.service_level * 1000.0).round() / 10.0,
            review_days: list.policy.review_days,
            default_lead_time_days: list.policy.default_lead_time_days,
        },
        summary: ReorderSummary {
            products: list.items.len(),
            order_now,
            enough,
            no_stock_data,
            no_sales_history,
            discontinued,
            order_cost: order_cost.to_decimal(),
            orders_without_cost,
        },
        items,
    }
}

/// Rounded to hundredths: units and days are estimates.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

pub(crate) fn line(item: &ReorderItem) -> ReorderLine {
    let advice = item.advice;
    ReorderLine {
        product_id: item.product_id.as_str().to_owned(),
        name: item.name.clone(),
        category: item.category.clone(),
        status: item.status,
        stock_on_hand: item.stock_on_hand,
        lead_time_days: advice.map(|a| a.lead_time_days),
        method: item.method,
        days_of_cover: item.days_of_cover().map(round),
        lead_time_demand: advice.map(|a| round(a.lead_time_demand)),
        safety_stock: advice.map(|a| round(a.safety_stock)),
        reorder_point: advice.map(|a| round(a.reorder_point)),
        order_quantity: item.order_quantity(),
        pack_size: item.pack_size,
        min_order_quantity: item.min_order_quantity,
        unit_cost: item.unit_cost.map(|c| c.to_decimal()),
        order_cost: item.order_cost.map(|c| c.to_decimal()),
    }
}

/// The CSV columns, in order.
/// A line of the CSV order list: the JSON line's values (one rounding, made in [`line`]),
/// every column present (empty when unknown), decimals written out to the cent (to the
/// hundredth of a cent for a unit cost), and text a spreadsheet would run as a formula
/// quoted. The columns are the fields, in order.
#[derive(Debug, Serialize)]
struct CsvRow {
    product_id: String,
    name: String,
    category: String,
    status: ReorderStatus,
    stock_on_hand: Option<i64>,
    lead_time_days: Option<u32>,
    days_of_cover: Option<Decimals<2>>,
    lead_time_demand: Option<Decimals<2>>,
    safety_stock: Option<Decimals<2>>,
    reorder_point: Option<Decimals<2>>,
    order_quantity: i64,
    pack_size: Option<i64>,
    min_order_quantity: Option<i64>,
    unit_cost: Option<Decimals<4>>,
    order_cost: Option<Decimals<2>>,
}

impl From<ReorderLine> for CsvRow {
    fn from(l: ReorderLine) -> Self {
        Self {
            product_id: spreadsheet_safe(&l.product_id),
            name: spreadsheet_safe(&l.name),
            category: spreadsheet_safe(l.category.as_deref().unwrap_or("")),
            status: l.status,
            stock_on_hand: l.stock_on_hand,
            lead_time_days: l.lead_time_days,
            days_of_cover: l.days_of_cover.map(Decimals),
            lead_time_demand: l.lead_time_demand.map(Decimals),
            safety_stock: l.safety_stock.map(Decimals),
            reorder_point: l.reorder_point.map(Decimals),
            order_quantity: l.order_quantity,
            pack_size: l.pack_size,
            min_order_quantity: l.min_order_quantity,
            unit_cost: l.unit_cost.map(Decimals),
            order_cost: l.order_cost.map(Decimals),
        }
    }
}

/// A number written with `N` decimals (`3.00`), as an order list in a spreadsheet shows it.
#[derive(Debug, Clone, Copy)]
struct Decimals<const N: usize>(f64);

impl<const N: usize> Serialize for Decimals<N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{:.*}", N, self.0))
    }
}

fn csv_of(lines: Vec<ReorderLine>) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if lines.is_empty() {
        // No row to take the header from: the header alone.
        out.write_record(CSV_COLUMNS)?;
    }
    for l in lines {
        out.serialize(CsvRow::from(l))?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// The columns of the order list, for a list without lines.
const CSV_COLUMNS: [&str; 15] = [
    "product_id",
    "name",
    "category",
    "status",
    "stock_on_hand",
    "lead_time_days",
    "days_of_cover",
    "lead_time_demand",
    "safety_stock",
    "reorder_point",
    "order_quantity",
    "pack_size",
    "min_order_quantity",
    "unit_cost",
    "order_cost",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_quoted_and_other_text_is_not() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-2"), "'-2");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("\rx"), "'\rx");
        assert_eq!(spreadsheet_safe("Tea = good"), "Tea = good");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn a_list_without_lines_has_the_header_its_rows_would_have() {
        let row = ReorderLine {
            product_id: "=X".into(),
            name: "Tea".into(),
            category: None,
            status: ReorderStatus::OrderNow,
            stock_on_hand: Some(3),
            lead_time_days: Some(5),
            method: Some(UnitsMethod::Regression),
            days_of_cover: Some(3.0),
            lead_time_demand: Some(12.5),
            safety_stock: None,
            reorder_point: None,
            order_quantity: 12,
            pack_size: None,
            min_order_quantity: None,
            unit_cost: Some(1.25),
            order_cost: Some(15.0),
        };
        let text = String::from_utf8(csv_of(vec![row]).unwrap()).unwrap();
        let empty = String::from_utf8(csv_of(Vec::new()).unwrap()).unwrap();
        assert_eq!(text.lines().next(), empty.lines().next());
        assert_eq!(text.lines().nth(1), Some("'=X,Tea,,order_now,3,5,3.00,12.50,,,12,,,1.2500,15.00"));
    }

    #[test]
    fn csv_is_chosen_by_the_accept_header_alone() {
        let with = |accept: &str| {
            wants_csv(
                &actix_web::test::TestRequest::default().insert_header((header::ACCEPT, accept)).to_http_request(),
            )
        };
        assert!(with("text/csv"));
        assert!(with("application/json;q=0.5, TEXT/CSV; q=0.9"));
        assert!(!with("application/json"));
        assert!(!with("text/csvx"));
        assert!(!wants_csv(&actix_web::test::TestRequest::default().to_http_request()));
    }
}
