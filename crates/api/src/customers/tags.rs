//! `PUT /api/customers/{id}/tags`: a customer's manual purpose tags.

use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use crm_domain::{MAX_TAGS, TAG};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The full set of manual tags (replaces the previous set).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"tags": ["party-supplies", "wholesale"]}))]
pub struct SetTagsRequest {
    /// Up to 20 tags, each 1-40 characters; stored trimmed and lower-case, duplicates dropped.
    #[schema(schema_with = tags_schema)]
    pub tags: Vec<String>,
}

/// The tags' schema: at most [`MAX_TAGS`] one-line texts within [`TAG`].
pub(crate) fn tags_schema() -> utoipa::openapi::schema::Array {
    crate::openapi::line_texts(
        TAG,
        MAX_TAGS,
        "Up to 20 tags, each 1-40 characters; stored trimmed and lower-case, duplicates dropped.",
    )
}

/// The customer's tags after the change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagsResponse {
    /// The customer.
    pub customer_id: i64,
    /// The tags, sorted.
    pub tags: Vec<String>,
}

/// Set purpose tags
///
/// Replaces the customer's manual purpose tags (an empty list removes them all). Tags are
/// trimmed, lower-cased and de-duplicated. An erased customer keeps no tags: setting
/// some is a 409 (an empty list answers 200).
#[utoipa::path(
    put,
    path = "/api/customers/{id}/tags",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1, maximum = 9_007_199_254_740_991_i64)),
    request_body = SetTagsRequest,
    responses(
        (status = 200, description = "Tags stored", body = TagsResponse),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer was erased: it keeps no tags", body = crate::Problem, content_type = "application/problem+json"),
        WriteErrors,
    )
)]
pub async fn set_customer_tags(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<SetTagsRequest>,
) -> Result<web::Json<TagsResponse>, ApiError> {
    let (customer_id, raw) = (id.into_inner(), body.into_inner().tags);
    let customer = crate::extract::customer_id(customer_id)?;
    let tags = state.write(move |service| service.set_customer_tags(customer, &raw)).await?;
    Ok(web::Json(TagsResponse { customer_id, tags }))
}
