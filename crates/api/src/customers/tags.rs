//! `PUT /api/customers/{id}/tags`: a customer's manual purpose tags.

use crate::{ApiError, AppState, RecordError, WriteErrors};
use actix_web::web;
use crm_domain::{TextRule, required_text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Most tags per customer.
const MAX_TAGS: usize = 20;
/// A tag: one line of at most 40 characters.
const TAG: TextRule = TextRule::line(40);

/// The full set of manual tags (replaces the previous set).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"tags": ["party-supplies", "wholesale"]}))]
pub struct SetTagsRequest {
    /// Up to 20 tags, each 1-40 characters; stored trimmed and lower-case, duplicates dropped.
    #[schema(schema_with = tags_schema)]
    pub tags: Vec<String>,
}

/// The tags' schema: at most [`MAX_TAGS`], each a required one-line text of at most 40
/// characters.
fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(TAG.max_chars))
        .pattern(Some(crate::openapi::REQUIRED_LINE_TEXT));
    ArrayBuilder::new()
        .items(tag)
        .max_items(Some(MAX_TAGS))
        .description(Some("Up to 20 tags, each 1-40 characters; stored trimmed and lower-case, duplicates dropped."))
        .build()
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
/// trimmed, lower-cased and de-duplicated.
#[utoipa::path(
    put,
    path = "/api/customers/{id}/tags",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1)),
    request_body = SetTagsRequest,
    responses(
        (status = 200, description = "Tags stored", body = TagsResponse),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        WriteErrors,
    )
)]
pub async fn set_customer_tags(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<SetTagsRequest>,
) -> Result<web::Json<TagsResponse>, ApiError> {
    let id = id.into_inner();
    let raw = body.into_inner().tags;
    let mut errors = Vec::new();
    if raw.len() > MAX_TAGS {
        errors.push(RecordError {
            index: None,
            field: "tags".into(),
            message: format!("at most {MAX_TAGS} tags, got {}", raw.len()),
        });
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in raw.iter().enumerate() {
        match required_text(tag, TAG) {
            Ok(tag) => tags.push(tag.to_lowercase()),
            Err(e) => errors.push(RecordError { index: None, field: format!("tags[{i}]"), message: e.to_string() }),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation { detail: "the tags are invalid; nothing was changed".into(), errors });
    }
    tags.sort();
    tags.dedup();
    let cards = std::sync::Arc::clone(&state.cards);
    let stored = state
        .write_then(
            move |conn| {
                if crm_storage::reads::customer_profile(conn, id)?.is_none() {
                    return Ok(None);
                }
                crm_storage::reads::set_customer_tags(conn, id, &tags)?;
                Ok(Some(tags))
            },
            move |stored| {
                if stored.is_some() {
                    cards.customers_changed(&[id]);
                }
            },
        )
        .await?;
    let tags = stored.ok_or_else(|| ApiError::NotFound(format!("no customer with id {id}")))?;
    Ok(web::Json(TagsResponse { customer_id: id, tags }))
}
