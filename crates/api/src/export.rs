//! Exports: every table as CSV, streamed (`GET /api/export/...`), behind the read key.

use crate::{ApiError, AppState, Caller, ReadErrors};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use crm_service::{ExportRequest, ExportTable};
use serde::Deserialize;
use utoipa::IntoParams;

/// The store-local days of a sales or daily export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportDays {
    /// First store-local day (default: the first day with a sale).
    #[param(value_type = Option<String>, format = Date, example = "2025-01-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: the last day with a sale).
    #[param(value_type = Option<String>, format = Date, example = "2025-12-31")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub to: Option<NaiveDate>,
}

/// Customers as CSV
///
/// Every customer the POS synced (not the ids a sale named that no customer sync filled),
/// by id: the sync fields first (`id,name,phone,email,address,notes,created_at`, the
/// import's generic columns), then the manual tags (one a line in the cell), and the last
/// analytics refresh's segment, RFM scores, visits, spend, purchase days and customer value
/// (empty before the first refresh). Streamed: any number of customers in constant
/// memory. Text that a spreadsheet would run as a formula gets a leading `'`.
#[utoipa::path(
    get,
    path = "/api/export/customers",
    tag = "export",
    responses(
        (status = 200, description = "The customers", content_type = "text/csv", body = String,
            example = "id,name,phone,email,address,notes,created_at,tags,segment,lapsed,recency_score,frequency_score,monetary_score,rfm_segment,visits,total_spent,first_purchase,last_purchase,purchase_days,p_alive,expected_purchases,expected_value\n17850,Ann Lee,,ann@example.com,,,2024-01-05T10:00:00Z,wholesale,regular,false,4,5,5,champions,34,5391.21,2010-12-01,2011-02-10,34,0.981234,2.4310,410.50\n"),
        ReadErrors,
    )
)]
pub async fn export_customers(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    stream(state, caller, ExportRequest { table: ExportTable::Customers, from: None, to: None }).await
}

/// Products as CSV
///
/// The catalogue the POS synced (not the codes seen only on sale lines), by id, in the
/// import's generic columns. Streamed.
#[utoipa::path(
    get,
    path = "/api/export/products",
    tag = "export",
    responses(
        (status = 200, description = "The catalogue", content_type = "text/csv", body = String,
            example = "id,name,category,stock_on_hand,lead_time_days,unit_cost,pack_size,min_order_quantity,discontinued\n85123A,White hanging heart T-light holder,Home,30,5,1.2500,12,100,false\n"),
        ReadErrors,
    )
)]
pub async fn export_products(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    stream(state, caller, ExportRequest { table: ExportTable::Products, from: None, to: None }).await
}

/// Sales as CSV, one row per line
///
/// Sales by id, one row per line with the sale's own fields on each (a sale without lines
/// is one row with the line columns empty), in the import's generic columns; times in UTC.
/// `from` and `to` keep the sales of those store-local days; `from` must not be after `to`.
/// Streamed.
#[utoipa::path(
    get,
    path = "/api/export/sales",
    tag = "export",
    params(ExportDays),
    responses(
        (status = 200, description = "The sales", content_type = "text/csv", body = String,
            example = "id,customer_id,total_amount,created_at,status,store_id,payment_method,product_id,product_name,category,quantity,unit_price\n536365,17850,139.12,2010-12-01T08:26:00Z,completed,,,85123A,WHITE HANGING HEART T-LIGHT HOLDER,,6,2.5500\n"),
        ReadErrors,
    )
)]
pub async fn export_sales(
    state: web::Data<AppState>,
    caller: Caller,
    days: crate::Query<ExportDays>,
) -> Result<HttpResponse, ApiError> {
    let ExportDays { from, to } = days.into_inner();
    stream(state, caller, ExportRequest { table: ExportTable::Sales, from, to }).await
}

/// Daily totals as CSV
///
/// Every store-local day from `from` to `to` (default: the first and last days with a
/// sale), days without sales as zeros: revenue and sales of completed sales, units on their
/// lines, refunded sales and their value (dated by the original sale). `from` must not be
/// after `to`, and the range covers at most 36,525 days.
#[utoipa::path(
    get,
    path = "/api/export/daily",
    tag = "export",
    params(ExportDays),
    responses(
        (status = 200, description = "The daily totals", content_type = "text/csv", body = String,
            example = "day,revenue,sales,units,refunds,refunded\n2010-12-01,46376.49,127,24215,0,0.00\n"),
        ReadErrors,
    )
)]
pub async fn export_daily(
    state: web::Data<AppState>,
    caller: Caller,
    days: crate::Query<ExportDays>,
) -> Result<HttpResponse, ApiError> {
    let ExportDays { from, to } = days.into_inner();
    stream(state, caller, ExportRequest { table: ExportTable::Daily, from, to }).await
}

/// Calendar as CSV
///
/// Every calendar event by first day: id, type, name, days, impact, declared multiplier,
/// lead days, notes and, for an occurrence imported from iCalendar, its UID and its date in
/// the source file. (`GET /api/calendar/events.ics` gives the same events as iCalendar.)
#[utoipa::path(
    get,
    path = "/api/export/calendar",
    tag = "export",
    responses(
        (status = 200, description = "The calendar", content_type = "text/csv", body = String,
            example = "id,event_type,name,date,end_date,impact_level,expected_demand_multiplier,lead_days,notes,uid,source_date\n1,festival,Diwali,2025-10-20,2025-10-24,high,1.5,14,,,\n"),
        ReadErrors,
    )
)]
pub async fn export_calendar_csv(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    stream(state, caller, ExportRequest { table: ExportTable::Calendar, from: None, to: None }).await
}

async fn stream(state: web::Data<AppState>, caller: Caller, request: ExportRequest) -> Result<HttpResponse, ApiError> {
    // A bad request is answered as one before anything streams.
    state.read(move |service| service.check_export(&request)).await?;
    let body = state
        .stream(&caller, move |service, out| {
            service.export_csv(&request, out).map(drop).map_err(|e| crm_service::error_chain(&e))
        })
        .await?;
    let file = format!("attachment; filename=\"{}.csv\"", request.table.as_str());
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, file))
        .streaming(body))
}
