//! The route table: every route the server answers, each with the [`Access`] it declares.
//!
//! One table feeds three readers, so they cannot disagree: the router (one actix resource
//! per path, its methods as routes), the access check (run by each resource after routing,
//! on the declaration of the method asked for) and the OpenAPI document (each operation's
//! `security` and `x-access` are written from the declaration). A path matched with a
//! method it does not declare answers 405 with `Allow`; a path that matches nothing reaches
//! [`unknown_path`]. Both tell a caller without a valid key only 401.

use crate::access::{Access, Caller};
use crate::cors::Preflight;
use crate::{ApiError, AppState};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, Handler, HttpRequest, Responder, ResponseError, Route, guard, web};
use std::rc::Rc;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::SecurityRequirement;
use utoipa_actix_web::OpenApiFactory;

/// The name of the security scheme in the OpenAPI document.
pub const SECURITY_SCHEME: &str = "api_key";

/// One route: a method on a path, who may call it, what answers it, and its OpenAPI
/// description when it is part of the API (read only when the document is built, not by
/// the workers that serve).
pub struct Endpoint {
    method: Method,
    path: String,
    access: Access,
    doc: Option<Box<dyn OpenApiFactory>>,
    route: Route,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.method, self.path, self.access.name())
    }
}

impl Endpoint {
    /// An API operation. Its method, path and description come from the handler's
    /// `#[utoipa::path]` (pass its `__path_` type), so routing and the document agree.
    pub fn operation<D, H, Args>(access: Access, doc: D, handler: H) -> Self
    where
        D: utoipa::Path + OpenApiFactory + 'static,
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        let method = D::methods().first().map_or(Method::GET, actix_method);
        Self { route: route_for(&method).to(handler), method, path: D::path(), access, doc: Some(Box::new(doc)) }
    }

    /// A route that is not part of the API document: Swagger UI, the spec itself, redirects,
    /// the dashboard's files.
    pub fn page<H, Args>(access: Access, method: Method, path: &str, handler: H) -> Self
    where
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        Self { route: route_for(&method).to(handler), method, path: path.to_owned(), access, doc: None }
    }

    /// The method (GET routes answer HEAD too).
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path pattern, as in the OpenAPI document (`/api/customers/{id}/insights`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Who may call it.
    pub fn access(&self) -> Access {
        self.access
    }
}

/// A route answering `method`; GET answers HEAD too.
fn route_for(method: &Method) -> Route {
    if *method == Method::GET {
        web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
    } else {
        web::route().method(method.clone())
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Every operation of the API, with the access it declares. Reads need a read key, writes
/// a write key; the exceptions are health (open: status for anyone, row counts for readers)
/// and metrics (a read key, or a scraper on this machine).
pub fn api_endpoints() -> Vec<Endpoint> {
    use crate::{analytics, calendar, customers, export, health, ical, metrics, sync};
    use Access::{Open, Read, ReadOrLocal, Write};
    vec![
        Endpoint::operation(Open, health::__path_get_health, health::get_health),
        Endpoint::operation(Write, sync::customers::__path_sync_customers, sync::sync_customers),
        Endpoint::operation(Write, sync::sales::__path_sync_sales, sync::sync_sales),
        Endpoint::operation(Write, sync::products::__path_sync_products, sync::sync_products),
        Endpoint::operation(Read, sync::status::__path_get_sync_status, sync::get_sync_status),
        Endpoint::operation(Write, sync::source_ids::__path_map_source_ids, sync::map_source_ids),
        Endpoint::operation(Read, analytics::trends::__path_get_trends, analytics::get_trends),
        Endpoint::operation(Read, analytics::dashboard::__path_get_dashboard, analytics::get_dashboard),
        Endpoint::operation(Read, analytics::forecast::__path_get_forecast, analytics::get_forecast),
        Endpoint::operation(Read, analytics::forecast::__path_get_forecast_accuracy, analytics::get_forecast_accuracy),
        Endpoint::operation(Read, analytics::reorder::__path_get_reorder, analytics::get_reorder),
        Endpoint::operation(
            Read,
            analytics::value::__path_get_customer_value_report,
            analytics::get_customer_value_report,
        ),
        Endpoint::operation(Read, analytics::overview::__path_get_products, analytics::get_products),
        Endpoint::operation(Read, analytics::overview::__path_get_segments, analytics::get_segments),
        Endpoint::operation(Write, analytics::overview::__path_refresh_analytics, analytics::refresh_analytics),
        Endpoint::operation(Read, customers::list::__path_list_customers, customers::list_customers),
        Endpoint::operation(Read, customers::insights::__path_get_customer_insights, customers::get_customer_insights),
        Endpoint::operation(Read, analytics::value::__path_get_customer_value, analytics::get_customer_value),
        Endpoint::operation(Write, customers::tags::__path_set_customer_tags, customers::set_customer_tags),
        Endpoint::operation(Read, customers::personal::__path_export_customer, customers::export_customer),
        Endpoint::operation(Write, customers::personal::__path_erase_customer, customers::erase_customer),
        Endpoint::operation(Read, calendar::__path_list_events, calendar::list_events),
        Endpoint::operation(Write, calendar::__path_create_event, calendar::create_event),
        Endpoint::operation(Read, calendar::__path_get_event, calendar::get_event),
        Endpoint::operation(Write, calendar::__path_replace_event, calendar::replace_event),
        Endpoint::operation(Write, calendar::__path_delete_event, calendar::delete_event),
        Endpoint::operation(Write, ical::__path_import_calendar, ical::import_calendar),
        Endpoint::operation(Read, ical::__path_export_calendar, ical::export_calendar),
        Endpoint::operation(Read, export::__path_export_customers, export::export_customers),
        Endpoint::operation(Read, export::__path_export_products, export::export_products),
        Endpoint::operation(Read, export::__path_export_sales, export::export_sales),
        Endpoint::operation(Read, export::__path_export_daily, export::export_daily),
        Endpoint::operation(Read, export::__path_export_calendar_csv, export::export_calendar_csv),
        Endpoint::operation(ReadOrLocal, metrics::__path_get_metrics, metrics::get_metrics),
    ]
}

/// Adds the documented endpoints to `api`: their paths and schemas, each operation's
/// `security` and `x-access` written from its declared access.
pub fn document(api: &mut utoipa::openapi::OpenApi, endpoints: &[Endpoint]) {
    for endpoint in endpoints {
        let Some(doc) = &endpoint.doc else { continue };
        let mut paths = doc.paths();
        for item in paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head];
            for operation in operations.into_iter().flatten() {
                operation.security = Some(security_for(endpoint.access));
                let extensions = operation.extensions.get_or_insert_with(Extensions::default);
                extensions.insert("x-access".into(), endpoint.access.name().into());
            }
        }
        api.paths.merge(paths);
        let mut schemas = Vec::new();
        doc.schemas(&mut schemas);
        api.components.get_or_insert_with(Default::default).schemas.extend(schemas);
    }
}

/// The OpenAPI security requirements of an access: none for open routes, the bearer scheme
/// with the role as its scope otherwise; `read-or-local` lists both (no key from the
/// server's own machine, a read key from anywhere), and `x-access` says which applies.
fn security_for(access: Access) -> Vec<SecurityRequirement> {
    match access {
        Access::Open => vec![SecurityRequirement::default()],
        Access::Read => vec![SecurityRequirement::new(SECURITY_SCHEME, ["read"])],
        Access::ReadOrLocal => {
            vec![SecurityRequirement::default(), SecurityRequirement::new(SECURITY_SCHEME, ["read"])]
        }
        Access::Write => vec![SecurityRequirement::new(SECURITY_SCHEME, ["write"])],
    }
}

/// The methods a path declares, as the access check and the `Allow` header read them.
#[derive(Debug)]
struct Declared {
    methods: Vec<(Method, Access)>,
    allow: String,
}

impl Declared {
    fn new(methods: Vec<(Method, Access)>) -> Self {
        let mut names = Vec::new();
        for (method, _) in &methods {
            names.push(method.as_str());
            if *method == Method::GET {
                names.push("HEAD");
            }
        }
        let allow = names.join(", ");
        Self { methods, allow }
    }

    /// The access of the method asked for (HEAD is GET's), if the path declares it.
    fn access_for(&self, method: &Method) -> Option<Access> {
        let method = if *method == Method::HEAD { &Method::GET } else { method };
        self.methods.iter().find(|(m, _)| m == method).map(|(_, access)| *access)
    }
}

/// Registers every endpoint: one resource per path, checked after routing.
pub fn register(cfg: &mut web::ServiceConfig, endpoints: Vec<Endpoint>) {
    let mut by_path: Vec<(String, Vec<Endpoint>)> = Vec::new();
    for endpoint in endpoints {
        match by_path.iter_mut().find(|(path, _)| *path == endpoint.path) {
            Some((_, group)) => group.push(endpoint),
            None => by_path.push((endpoint.path.clone(), vec![endpoint])),
        }
    }
    for (path, group) in by_path {
        let declared = Rc::new(Declared::new(group.iter().map(|e| (e.method.clone(), e.access)).collect()));
        let mut resource = web::resource(path.as_str());
        for endpoint in group {
            resource = resource.route(endpoint.route);
        }
        let for_default = Rc::clone(&declared);
        let resource = resource
            .default_service(web::to(move |req: HttpRequest| {
                let declared = Rc::clone(&for_default);
                async move { method_not_allowed(&req, &declared) }
            }))
            .wrap(from_fn(move |req, next| check(Rc::clone(&declared), req, next)));
        cfg.service(resource);
    }
}

/// The access check of one resource, run after routing: a CORS preflight from an allowed
/// origin is answered for the methods the path declares (preflights carry no key); else
/// the declaration of the method asked for decides, and a method the path does not
/// declare needs any valid key, then reaches the resource's 405.
async fn check<B: MessageBody>(
    declared: Rc<Declared>,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let decided = AppState::of(req.request()).and_then(|state| {
        if let Some(preflight) = Preflight::of(req.method(), req.headers()) {
            let declares = |m: &Method| declared.access_for(m).is_some();
            if let Some(answer) = preflight.answer(&state.cors, declares, &declared.allow) {
                return Ok(Some(answer));
            }
        }
        let access = declared.access_for(req.method()).unwrap_or(Access::Read);
        let caller = state.access.caller(req.peer_addr().map(|a| a.ip()), req.headers());
        admit_counted(state, &caller, access)?;
        if access == Access::Write {
            state.rates.check_write(caller.subject())?;
        }
        Ok(None)
    });
    match decided {
        Ok(None) => next.call(req).await.map(ServiceResponse::map_into_left_body),
        Ok(Some(preflight)) => Ok(req.into_response(preflight).map_into_right_body()),
        // Answered as a response, not an error, so outer layers log, count and decorate it.
        Err(refusal) => Ok(req.into_response(refusal.error_response()).map_into_right_body()),
    }
}

/// Admits `caller` to a route that needs `access`, counting failed authentications: a client
/// locked out after too many is refused (429) whatever key it sends, and the failure that
/// uses up its allowance is a 429 too.
fn admit_counted(state: &AppState, caller: &Caller, access: Access) -> Result<(), ApiError> {
    if access == Access::Open || !state.access.keys_enabled() {
        return state.access.admit(caller, access);
    }
    state.rates.check_locked_out(caller.client)?;
    match state.access.admit(caller, access) {
        Err(refusal @ ApiError::Unauthorized(_)) => Err(state.rates.failed_authentication(caller.client, refusal)),
        other => other,
    }
}

fn method_not_allowed(req: &HttpRequest, declared: &Declared) -> Result<(), ApiError> {
    Err(ApiError::MethodNotAllowed {
        detail: format!("{} is not allowed on {}; it allows {}", req.method(), req.path(), declared.allow),
        allow: declared.allow.clone(),
    })
}

/// The answer to a path that matches no route: 404 to a caller who may read, 401 (or 403)
/// to anyone else, so that probing without a key shows nothing of what exists.
pub async fn unknown_path(req: HttpRequest) -> Result<(), ApiError> {
    let state = AppState::of(&req)?;
    let caller = state.access.caller(req.peer_addr().map(|a| a.ip()), req.headers());
    admit_counted(state, &caller, Access::Read)?;
    Err(ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_method_and_declares_reads_and_writes_by_it() {
        for endpoint in api_endpoints() {
            let paths = endpoint.doc.as_ref().unwrap().paths();
            let methods: Vec<_> = paths.paths.values().collect();
            assert_eq!(methods.len(), 1, "{endpoint:?}");
            let is_read = endpoint.method == Method::GET;
            match endpoint.access {
                Access::Write => assert!(!is_read, "{endpoint:?}"),
                Access::Read | Access::ReadOrLocal | Access::Open => assert!(is_read, "{endpoint:?}"),
            }
        }
    }

    #[test]
    fn only_health_is_open_and_only_metrics_admits_local_callers() {
        let endpoints = api_endpoints();
        let with = |access| endpoints.iter().filter(|e| e.access == access).map(|e| e.path()).collect::<Vec<_>>();
        assert_eq!(with(Access::Open), ["/api/health"]);
        assert_eq!(with(Access::ReadOrLocal), ["/metrics"]);
    }

    #[test]
    fn the_allow_header_lists_declared_methods_with_head_beside_get() {
        let declared = Declared::new(vec![(Method::GET, Access::Read), (Method::PUT, Access::Write)]);
        assert_eq!(declared.allow, "GET, HEAD, PUT");
        assert_eq!(declared.access_for(&Method::HEAD), Some(Access::Read));
        assert_eq!(declared.access_for(&Method::PUT), Some(Access::Write));
        assert_eq!(declared.access_for(&Method::POST), None);
    }
}
