//! The managers' dashboard: static HTML, CSS and JavaScript modules (and the vendored
//! Chart.js) from `web/`, embedded in the binary and served at `/` and `/dashboard/...`.
//!
//! The page holds nothing of the store: it reads everything through the JSON API with the
//! key the user gives it, so its files are open routes. Each answer carries its content
//! type, an `ETag` (a hash of the file, so a browser revalidates cheaply and never runs a
//! stale script after an upgrade) and a content security policy stricter than Swagger UI's:
//! no inline script or style at all.

use crate::Access;
use crate::routes::Endpoint;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use include_dir::{Dir, include_dir};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The page's files, as built (see `build.rs`: a change under `web/` rebuilds the crate).
static WEB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// The dashboard's content security policy: its own scripts, styles, images and API only.
pub const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// A file ready to serve.
struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    etag: String,
}

/// The content type of a file the page is made of, by its extension; `None` for a file
/// that is not served (notes, licences).
fn content_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        _ => return None,
    })
}

/// Every servable file by its path under `web/`, hashed once.
fn assets() -> &'static HashMap<&'static str, Asset> {
    static ASSETS: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let mut found = HashMap::new();
        let mut dirs = vec![&WEB];
        while let Some(dir) = dirs.pop() {
            dirs.extend(dir.dirs());
            for file in dir.files() {
                let Some(path) = file.path().to_str() else { continue };
                let Some(content_type) = content_type(path) else { continue };
                let bytes = file.contents();
                found.insert(path, Asset { bytes, content_type, etag: format!("\"{:016x}\"", fnv1a(bytes)) });
            }
        }
        found
    })
}

/// The 64-bit FNV-1a hash: a stable fingerprint of a file for its `ETag`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The dashboard's routes, all open: the page and its files.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::page(Access::Open, Method::GET, "/", serve_page),
        Endpoint::page(Access::Open, Method::GET, "/dashboard/{file:.*}", serve_file),
        Endpoint::page(Access::Open, Method::GET, "/favicon.ico", serve_favicon),
    ]
}

async fn serve_page(request: HttpRequest) -> HttpResponse {
    serve(&request, "index.html")
}

async fn serve_file(request: HttpRequest, file: web::Path<String>) -> HttpResponse {
    serve(&request, &file)
}

async fn serve_favicon(request: HttpRequest) -> HttpResponse {
    serve(&request, "favicon.svg")
}

/// Answers with the file at `path` under `web/`: 200 with it, 304 when the browser's copy
/// is current, 404 when there is no such file.
fn serve(request: &HttpRequest, path: &str) -> HttpResponse {
    let Some(asset) = assets().get(path) else {
        return crate::ApiError::NotFound(format!("no dashboard file {path:?}")).error_response();
    };
    let current = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == asset.etag || tag.trim() == "*"));
    let mut response = if current { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, asset.etag.as_str()))
        // Revalidate every time: the ETag makes that a 304 unless the file changed.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DASHBOARD_CSP));
    if current { response.finish() } else { response.content_type(asset.content_type).body(asset.bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_modules_are_embedded_with_their_types() {
        let assets = assets();
        assert_eq!(assets["index.html"].content_type, "text/html; charset=utf-8");
        assert_eq!(assets["app.js"].content_type, "text/javascript; charset=utf-8");
        assert_eq!(assets["styles.css"].content_type, "text/css; charset=utf-8");
        assert_eq!(assets["vendor/chart.umd.min.js"].content_type, "text/javascript; charset=utf-8");
        assert_eq!(assets["favicon.svg"].content_type, "image/svg+xml");
        assert!(!assets.contains_key("vendor/README.md"), "notes are not served");
        assert_eq!(content_type("archive.tar"), None);
        assert_eq!(content_type("no-extension"), None);
    }

    #[test]
    fn every_file_has_its_own_etag() {
        let tags: std::collections::HashSet<&str> = assets().values().map(|a| a.etag.as_str()).collect();
        assert_eq!(tags.len(), assets().len());
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
