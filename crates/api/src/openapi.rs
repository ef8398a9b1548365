//! The OpenAPI document: the fixed parts (info, tags, shared schemas) declared here, the
//! paths collected from the route table itself.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "crm-trends",
        description = "Analytics and insights beside a shop's POS: the POS syncs customers, sales and \
            stock here, and reads customer insights, sales trends, forecasts and reorder advice. \
            Requests use snake_case, responses camelCase; money is a decimal number (2 decimals for \
            totals, 4 for unit prices); timestamps are RFC 3339 with an offset. Errors are \
            application/problem+json (RFC 9457).",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "crm-trends maintainers")
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "health", description = "Liveness and database state"),
        (name = "sync", description = "Data pushed by the POS: idempotent, all-or-nothing batches"),
        (name = "analytics", description = "Trends and insights computed from the synced data"),
    ),
    components(schemas(crate::Problem, crate::RecordError))
)]
pub struct ApiDoc;

/// The complete document, paths included, exactly as the server serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope("/api").configure(crate::routes))
        .split_for_parts();
    api
}
