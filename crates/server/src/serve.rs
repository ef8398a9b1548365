//! `crm-trends serve`: open the store, assemble the app, listen, and shut down gracefully
//! on SIGINT or SIGTERM: in-flight batches finish, waits on long work (a refresh, an
//! expensive read) are answered at once.

use crate::config::ServeOptions;
use crate::lock::LockError;
use actix_web::ResponseError;
use actix_web::http::Method;
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, Logger, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use crm_api::routes::Endpoint;
use crm_api::{Access, AccessPolicy, AppState, CorsPolicy, HostPolicy, Limits, Metrics, RatePolicy, StateParts};
use crm_service::{Service, ServiceLimits};
use crm_storage::{Database, DbOptions, Location, StorageError};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use utoipa_swagger_ui::Config;

/// Runs the server until it is told to stop.
pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    let keys = crate::keys::load(&options)?;
    if keys.enabled() {
        let (write, read) = keys.counts();
        log::info!("API keys configured: {write} write, {read} read");
    } else if options.host.is_loopback() {
        log::info!("no API keys configured: access is open, so only loopback ({}) is served", options.host);
    } else if options.insecure_no_auth {
        log::warn!(
            "INSECURE: serving {} with no API keys; anyone who can reach it can read and change all data",
            options.host
        );
    } else {
        bail!(
            "refusing to listen on {} without API keys: anyone who can reach it could read and change all data. \
             Set CRM_WRITE_KEYS (and CRM_READ_KEYS), listen on 127.0.0.1, or pass --insecure-no-auth",
            options.host
        );
    }
    let hosts = HostPolicy::new(&options.allowed_hosts, keys.enabled())?;
    if !hosts.allows_any() {
        log::info!(
            "answering requests for localhost, 127.0.0.1 and [::1]{}; any other Host is refused (421)",
            if options.allowed_hosts.is_empty() {
                String::new()
            } else {
                format!(", {}", options.allowed_hosts.join(", "))
            }
        );
    }
    let location = options.database_url.clone();
    if matches!(location, Location::Postgres(_)) && options.max_database_mb.is_some() {
        bail!(
            "CRM_MAX_DATABASE_MB (--max-database-mb) caps a SQLite file; a PostgreSQL database's size is the \
             PostgreSQL server's to limit (its disk, tablespaces and quotas). Unset it to run on {location}"
        );
    }
    // One process to a SQLite file; PostgreSQL is shared by replicas (it keeps its own locks).
    let _held = match &location {
        Location::Sqlite(path) => Some(crate::lock::hold(path).map_err(|e| match e {
            LockError::Taken(_) => {
                anyhow::anyhow!("{e}: another crm-trends process (a server, or a demo) uses {}", path.display())
            }
            LockError::Io { .. } => anyhow::anyhow!(e.to_string()),
        })?),
        Location::Postgres(_) => None,
    };
    let db_options = DbOptions {
        read_connections: options.read_connections,
        max_bytes: options.max_database_mb.map(|mb| mb * 1024 * 1024),
        ..DbOptions::default()
    };
    let db = connect_waiting(&location, db_options, Duration::from_secs(options.database_wait_secs)).map_err(
        |error| match error {
            StorageError::ReadOnly(_) => anyhow::anyhow!(
                "the database {location} cannot be written ({}): crm-trends stores every sync in it, so it does not \
             start read-only. Make the file and its directory writable by the user running crm-trends, or point \
             DATABASE_URL at a writable copy",
                crm_service::error_chain(&error)
            ),
            other => anyhow::Error::new(other).context(format!("opening database {location}")),
        },
    )?;
    if let Some(fault) = db.write_fault() {
        log::error!("database {location} opened, but writes are refused: {}", fault.reason);
    }
    log::info!(
        "database {location} ({}) ready (migrations applied), store time zone {}",
        db.backend().as_str(),
        options.timezone.name()
    );
    let service = Service::new(
        Arc::new(db),
        options.timezone,
        options.analytics(),
        ServiceLimits { max_batch_records: options.max_batch as usize },
    );
    let state = AppState::new(StateParts {
        access: AccessPolicy::new(keys, options.trusted_proxies.clone(), options.insecure_no_auth),
        cors: CorsPolicy::new(options.cors_origins()),
        hosts,
        rates: RatePolicy {
            failed_auth_per_minute: options.rate_failed_auth,
            writes_per_minute: options.rate_writes,
            expensive_per_minute: options.rate_expensive,
        },
        metrics: Arc::new(Metrics::default()),
        limits: Limits {
            max_body_bytes: options.max_body_mb as usize * 1024 * 1024,
            expensive_reads: options.expensive_reads as usize,
            expensive_budget: Duration::from_secs(options.expensive_read_secs),
            queue_wait: Duration::from_secs(options.queue_wait_secs),
        },
        currency: options.currency.code().to_owned(),
        service: Arc::new(service),
        read_connections: options.read_connections as usize,
    });
    start_change_follower(&state)?;
    start_refresh_thread(&options, &state)?;
    actix_web::rt::System::new().block_on(listen(options, state))
}

/// Opens the store; a PostgreSQL server that does not answer (refused, unreachable, not
/// accepting connections yet) is tried again with a backoff from half a second to 30 s,
/// each try logged, until `wait` has passed. Any other fault fails at once.
fn connect_waiting(location: &Location, options: DbOptions, wait: Duration) -> Result<Database, StorageError> {
    let began = std::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        match Database::connect(location, options.clone()) {
            Err(error @ (StorageError::Connect(_) | StorageError::Busy(_) | StorageError::Pool(_)))
                if matches!(location, Location::Postgres(_)) =>
            {
                let waited = began.elapsed();
                if waited >= wait {
                    log::error!(
                        "the database {location} did not answer for {} s (CRM_DATABASE_WAIT_SECS)",
                        wait.as_secs()
                    );
                    return Err(error);
                }
                let now = pause.min(wait - waited);
                log::warn!(
                    "the database {location} does not answer ({}); trying again in {} ms (giving up {} s after start)",
                    crm_service::error_chain(&error),
                    now.as_millis(),
                    wait.as_secs()
                );
                std::thread::sleep(now);
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            outcome => return outcome,
        }
    }
}

/// Reads the store's change log about once a second, so what other replicas on the store
/// write reaches this one's prepared cards and refreshes. Notes where the log ends before
/// the first refresh can run.
fn start_change_follower(state: &AppState) -> anyhow::Result<()> {
    let service = Arc::clone(&state.service);
    service.follow_changes().context("reading the store's change log")?;
    log::info!("replica {} following the store's change log", service.replica());
    std::thread::Builder::new()
        .name("change-follower".into())
        .spawn(move || {
            let mut failing = false;
            loop {
                std::thread::sleep(crm_service::FOLLOW_EVERY);
                match service.follow_changes() {
                    Ok(applied) => {
                        if applied > 0 {
                            log::debug!("{applied} changes by other replicas applied");
                        }
                        if std::mem::take(&mut failing) {
                            log::info!("the store's change log is read again");
                        }
                    }
                    Err(error) if !failing => {
                        failing = true;
                        log::warn!(
                            "reading the store's change log failed (retried every second): {}",
                            crm_service::error_chain(&error)
                        );
                    }
                    Err(_) => {}
                }
            }
        })
        .context("starting the change log follower")?;
    Ok(())
}

/// The background analytics refresh: at start, on schedule and after syncs.
fn start_refresh_thread(options: &ServeOptions, state: &AppState) -> anyhow::Result<()> {
    let service = Arc::clone(&state.service);
    let metrics = Arc::clone(&state.metrics);
    let interval = Duration::from_secs(options.refresh_interval_secs);
    let delay = Duration::from_secs(options.refresh_delay_secs);
    std::thread::Builder::new()
        .name("analytics-refresh".into())
        .spawn(move || crm_service::run_forever(&service, interval, delay, |took| metrics.observe_refresh(took)))
        .context("starting the analytics refresh thread")?;
    Ok(())
}

async fn listen(options: ServeOptions, state: AppState) -> anyhow::Result<()> {
    let options = Arc::new(options);
    let limits = state.limits;
    let data = web::Data::new(state);
    let stopper = data.clone();
    let spec = web::Data::new(ApiDocument(web::Bytes::from(
        serde_json::to_vec(&crm_api::openapi()).context("serialising the OpenAPI document")?,
    )));
    let swagger = web::Data::new(
        // No "online validator" badge: it would send the spec's address to a third party,
        // and the content security policy blocks it anyway.
        Config::new([SPEC_PATH]).validator_url("none").try_it_out_enabled(true),
    );
    let mut server = HttpServer::new(move || {
        let app = App::new()
            .app_data(data.clone())
            .app_data(spec.clone())
            .app_data(swagger.clone())
            .app_data(crm_api::json_config(limits.max_body_bytes))
            .app_data(crm_api::path_config())
            .configure(|cfg| crm_api::routes::register(cfg, endpoints()))
            .default_service(web::to(crm_api::routes::unknown_path));
        // Listed innermost first: the logger and metrics see every answer, refusals included.
        app.wrap(from_fn(crm_api::cors::decorate))
            .wrap(from_fn(crm_api::host::check))
            .wrap(Compress::default())
            .wrap(from_fn(crm_api::problem_only))
            .wrap(security_headers())
            .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
            .wrap(from_fn(crm_api::metrics::record))
            .wrap(Logger::new(r#"%a "%r" %s %b %Dms"#))
    })
    // Signals are ours (below), so a stop first cuts short the waits on long work.
    .disable_signals()
    .shutdown_timeout(30)
    .bind((options.host, options.port))
    .with_context(|| format!("binding {}:{}", options.host, options.port))?;
    if let Some(workers) = options.workers {
        server = server.workers(workers.max(1));
    }
    // Listened for before the address is printed: a stop sent as soon as the server says
    // it listens is a graceful stop, not the default action of the signal.
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let signals = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()));
    let (Ok(mut terminate), Ok(mut interrupt)) = signals else {
        bail!("cannot listen for SIGTERM and SIGINT");
    };
    let hangups = match options.keys_file {
        Some(_) => Some(signal(SignalKind::hangup()).context("listening for SIGHUP (key reloads)")?),
        None => None,
    };
    for addr in server.addrs() {
        // Printed (not logged) so scripts and tests can find a port chosen with --port 0.
        println!("crm-trends listening on http://{addr}");
    }
    std::io::stdout().flush().context("writing to stdout")?;
    let server = server.run();
    let handle = server.handle();
    if let Some(hangups) = hangups {
        let (reloader, options) = (stopper.clone(), Arc::clone(&options));
        actix_web::rt::spawn(async move { reload_keys_on_hangup(hangups, &reloader, &options).await });
    }
    actix_web::rt::spawn(async move {
        let signal = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        log::info!(
            "{signal}: stopping; requests in flight finish (a write commits), waits on a refresh or an expensive read \
             are answered 503 at once"
        );
        stopper.stop();
        handle.stop(true).await;
    });
    server.await.context("running the HTTP server")?;
    log::info!("stopped");
    Ok(())
}

/// Reads the keys again at every SIGHUP; a file that does not read keeps the keys as they are.
async fn reload_keys_on_hangup(
    mut hangups: actix_web::rt::signal::unix::Signal,
    state: &AppState,
    options: &ServeOptions,
) {
    while hangups.recv().await.is_some() {
        match crate::keys::load(options).and_then(|keys| {
            let (write, read) = keys.counts();
            state.access.replace_keys(keys).map(|()| (write, read)).map_err(anyhow::Error::from)
        }) {
            Ok((write, read)) => log::info!("SIGHUP: API keys reloaded: {write} write, {read} read"),
            Err(e) => log::error!("SIGHUP: the keys were not reloaded, the old ones stay: {e:#}"),
        }
    }
}

/// Headers on every response: no MIME sniffing, no framing, no referrer, and a content
/// security policy that lets pages load only this server's own scripts and data.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
}

/// Where the OpenAPI document is served.
const SPEC_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document, serialised once at start (shared, not copied, by each answer).
struct ApiDocument(web::Bytes);

/// Every route: the API's operations, then the pages around them, each declaring who may
/// call it. Swagger UI and the document it reads are open: they hold nothing of the store.
fn endpoints() -> Vec<Endpoint> {
    let mut endpoints = crm_api::routes::api_endpoints();
    endpoints.extend([
        Endpoint::page(Access::Open, Method::GET, SPEC_PATH, serve_spec),
        Endpoint::page(Access::Open, Method::GET, "/swagger-ui/{file:.*}", serve_swagger_ui),
        Endpoint::page(Access::Open, Method::GET, "/swagger-ui", || async { redirect("/swagger-ui/") }),
    ]);
    endpoints.extend(crm_api::dashboard::endpoints());
    endpoints
}

async fn serve_spec(spec: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(spec.0.clone())
}

async fn serve_swagger_ui(file: web::Path<String>, config: web::Data<Config<'static>>) -> HttpResponse {
    match utoipa_swagger_ui::serve(&file, config.into_inner()) {
        Ok(Some(file)) => {
            let mut response = HttpResponse::Ok();
            if file.gzpipped {
                response.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            response.content_type(file.content_type).body(file.bytes.into_owned())
        }
        Ok(None) => crm_api::ApiError::NotFound("no such Swagger UI file".into()).error_response(),
        Err(e) => crm_api::ApiError::internal(format!("serving Swagger UI: {e}")).error_response(),
    }
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found().insert_header(("Location", to)).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_routes_are_exactly_the_documented_ones() {
        let open: Vec<String> = endpoints()
            .iter()
            .filter(|e| e.access() == Access::Open)
            .map(|e| format!("{} {}", e.method(), e.path()))
            .collect();
        assert_eq!(
            open,
            [
                "GET /api/health",
                "GET /api-docs/openapi.json",
                "GET /swagger-ui/{file:.*}",
                "GET /swagger-ui",
                "GET /",
                "GET /dashboard/{file:.*}",
                "GET /favicon.ico",
            ]
        );
    }
}
