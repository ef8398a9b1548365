//! The OpenAPI document: the fixed parts (info, tags, shared schemas) declared here, the
//! paths and each operation's security collected from the route table itself.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
        (name = "customers", description = "Customer insights at checkout, search, purpose tags"),
        (name = "analytics", description = "Trends and insights computed from the synced data"),
        (name = "calendar", description = "Festivals, holidays, promotions and events that move demand"),
        (name = "operations", description = "Metrics for monitoring"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::Problem, crate::RecordError, crate::ProblemCode))
)]
pub struct ApiDoc;

/// Declares the `Authorization: Bearer <key>` scheme used by every route that needs a key.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An API key from CRM_WRITE_KEYS (sync, calendar and tag writes; can read) or CRM_READ_KEYS \
                 (reads). Each operation names the role it needs as the scope of its security requirement \
                 and in `x-access` (`open`, `read`, `write`, or `read-or-local`: a read key, or no key from \
                 the server's own machine). Not needed for /api/health, nor at all while the server has no \
                 keys configured (it then answers only its own machine).",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(crate::routes::SECURITY_SCHEME, SecurityScheme::Http(scheme));
    }
}

/// The complete document, paths included, exactly as the server serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    crate::routes::document(&mut api, &crate::routes::api_endpoints());
    api
}
