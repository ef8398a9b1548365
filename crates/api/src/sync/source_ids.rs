//! `POST /api/sync/source-ids`: the id map, for a client that imports a POS's files
//! through the API (`crm-trends import --url`).

use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use crm_service::{MAX_SOURCE_IDS, SOURCE_ID, SourceKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a source id names.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SourceIdKind {
    /// A customer.
    Customer,
    /// A sale.
    Sale,
}

impl From<SourceIdKind> for SourceKind {
    fn from(kind: SourceIdKind) -> Self {
        match kind {
            SourceIdKind::Customer => Self::Customer,
            SourceIdKind::Sale => Self::Sale,
        }
    }
}

/// Source ids to look up, or to give ids to. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"kind": "sale", "sourceIds": ["#1001", "#1002"], "assign": true}))]
pub struct SourceIdsRequest {
    /// What the source ids name.
    pub kind: SourceIdKind,
    /// The POS's text ids (order names, e-mails): up to 1,000, each one line of 1-255
    /// characters, read trimmed.
    #[schema(schema_with = source_ids_schema)]
    pub source_ids: Vec<String>,
    /// Give a source id the map does not hold yet the next free id, and store it. Without
    /// it nothing is written and such an id is null.
    #[serde(default)]
    pub assign: bool,
}

/// The source ids' schema: at most [`MAX_SOURCE_IDS`] one-line texts within [`SOURCE_ID`].
fn source_ids_schema() -> utoipa::openapi::schema::Array {
    crate::openapi::line_texts(
        SOURCE_ID,
        MAX_SOURCE_IDS,
        "The POS's text ids: up to 1,000, each one line of 1-255 characters, read trimmed.",
    )
}

/// The ids of the source ids asked for.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"ids": [9_007_199_254_740_990_i64, 9_007_199_254_740_989_i64], "lowestId": 9_007_199_254_740_989_i64}))]
pub struct SourceIdsResponse {
    /// Each source id's numeric id, in the order asked; null for one the map does not hold
    /// (only without `assign`).
    pub ids: Vec<Option<i64>>,
    /// The lowest id the map has given to this kind, if any: every id below it is free.
    pub lowest_id: Option<i64>,
}

/// Map source ids
///
/// The id map of imports: a POS's text ids (Shopify order names, customers known by
/// e-mail) and the numeric ids they are stored under. The same source id always gets the
/// same id; new ones count down from 2^53 − 1, far from the numbers a POS gives. With
/// `assign`, the ids the map lacks are given and stored in one transaction.
#[utoipa::path(
    post,
    path = "/api/sync/source-ids",
    tag = "sync",
    request_body = SourceIdsRequest,
    responses(
        (status = 200, description = "The ids", body = SourceIdsResponse),
        WriteErrors,
    )
)]
pub async fn map_source_ids(
    state: web::Data<AppState>,
    body: web::Json<SourceIdsRequest>,
) -> Result<web::Json<SourceIdsResponse>, ApiError> {
    let SourceIdsRequest { kind, source_ids, assign } = body.into_inner();
    let kind = SourceKind::from(kind);
    let found = if assign {
        state.write(move |service| service.source_ids(kind, &source_ids, true)).await?
    } else {
        state.read(move |service| service.source_ids(kind, &source_ids, false)).await?
    };
    Ok(web::Json(SourceIdsResponse { ids: found.ids, lowest_id: found.lowest }))
}
