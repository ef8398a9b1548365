//! `crm-trends serve`: open the store, assemble the app, listen, and shut down gracefully
//! (in-flight batches finish) on SIGINT or SIGTERM.

use crate::config::ServeOptions;
use actix_web::middleware::{Compress, Logger, NormalizePath, TrailingSlash};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use crm_api::{AppState, Limits};
use crm_storage::{Database, DbOptions};
use std::io::Write;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

/// Runs the server until it is told to stop.
pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    if !options.host.is_loopback() && !options.insecure_no_auth {
        bail!(
            "refusing to listen on {} without API keys: anyone who can reach it could read and change all data. \
             Listen on 127.0.0.1, or pass --insecure-no-auth to accept the risk",
            options.host
        );
    }
    if options.insecure_no_auth && !options.host.is_loopback() {
        log::warn!("INSECURE: serving {} with no authentication", options.host);
    }
    let path = options.database_path();
    let db = Database::open(
        &path,
        DbOptions {
            read_connections: options.read_connections,
            ..DbOptions::default()
        },
    )
    .with_context(|| format!("opening database {}", path.display()))?;
    log::info!(
        "database {} ready (migrations applied), store time zone {}",
        path.display(),
        options.timezone.name()
    );
    let state = AppState {
        db: Arc::new(db),
        zone: options.timezone,
        limits: Limits {
            max_batch_records: options.max_batch as usize,
            max_body_bytes: options.max_body_mb as usize * 1024 * 1024,
        },
    };
    actix_web::rt::System::new().block_on(listen(options, state))
}

async fn listen(options: ServeOptions, state: AppState) -> anyhow::Result<()> {
    let limits = state.limits;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(crm_api::ApiDoc::openapi())
            .app_data(data.clone())
            .app_data(crm_api::json_config(limits.max_body_bytes))
            .app_data(crm_api::query_config())
            .app_data(crm_api::path_config())
            .service(scope("/api").configure(crm_api::routes))
            .split_for_parts();
        app.wrap(Compress::default())
            .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
            .wrap(Logger::new(r#"%a "%r" %s %b %Dms"#))
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", api))
            .route(
                "/swagger-ui",
                web::get().to(|| async { redirect("/swagger-ui/") }),
            )
            .route("/", web::get().to(|| async { redirect("/swagger-ui/") }))
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(30)
    .bind((options.host, options.port))
    .with_context(|| format!("binding {}:{}", options.host, options.port))?;
    if let Some(workers) = options.workers {
        server = server.workers(workers.max(1));
    }
    for addr in server.addrs() {
        // Printed (not logged) so scripts and tests can find a port chosen with --port 0.
        println!("crm-trends listening on http://{addr}");
    }
    std::io::stdout().flush().context("writing to stdout")?;
    server.run().await.context("running the HTTP server")?;
    log::info!("stopped");
    Ok(())
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", to))
        .finish()
}

async fn not_found(req: actix_web::HttpRequest) -> actix_web::Result<HttpResponse> {
    Err(crm_api::ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())).into())
}
