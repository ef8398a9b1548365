//! The dashboard's files: served at `/` and `/dashboard/...` with their content types, an
//! `ETag` a browser revalidates with, compression, and a content security policy with no
//! inline script or style; open routes, even with API keys configured.

use crate::support;

use support::{spawn_app_with, temp_dir};

const STRICT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

#[test]
fn the_page_and_its_files_are_open_typed_cached_and_strictly_confined() {
    let dir = temp_dir();
    let app =
        spawn_app_with(dir.path(), &["--read-keys", "rrrrrrrrrrrrrrrrrrrr", "--write-keys", "wwwwwwwwwwwwwwwwwwww"]);
    let page = app.send("GET", "/", &[], None);
    assert_eq!(page.status, 200, "open without a key");
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.text.contains("/dashboard/app.js"), "{}", &page.text[..page.text.len().min(400)]);
    assert_eq!(page.header("content-security-policy"), Some(STRICT_CSP));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let etag = page.header("etag").expect("an ETag").to_owned();

    let again = app.send("GET", "/", &[("If-None-Match", &etag)], None);
    assert_eq!((again.status, again.text.as_str()), (304, ""), "the browser's copy is current");

    for (path, content_type) in [
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/styles.css", "text/css; charset=utf-8"),
        ("/dashboard/vendor/chart.umd.min.js", "text/javascript; charset=utf-8"),
        ("/dashboard/favicon.svg", "image/svg+xml"),
        ("/favicon.ico", "image/svg+xml"),
    ] {
        let reply = app.send("GET", path, &[], None);
        assert_eq!((reply.status, reply.content_type.as_str()), (200, content_type), "{path}");
        assert_eq!(reply.header("content-security-policy"), Some(STRICT_CSP), "{path}");
    }
    let zipped = app.raw("GET", "/dashboard/vendor/chart.umd.min.js", &[("Accept-Encoding", "gzip")], None);
    assert_eq!(zipped.status, 200);
    assert!(zipped.head.to_ascii_lowercase().contains("content-encoding: gzip"), "{}", zipped.head);

    let missing = app.send("GET", "/dashboard/nothing.js", &[], None);
    assert_eq!((missing.status, missing.content_type.as_str()), (404, "application/problem+json"));
    let notes = app.send("GET", "/dashboard/vendor/README.md", &[], None);
    assert_eq!(notes.status, 404, "only the page's own kinds of file are served");
    let api = app.send("GET", "/api/analytics/dashboard", &[], None);
    assert_eq!(api.status, 401, "the data behind the page still needs a key");
    let swagger = app.send("GET", "/swagger-ui/", &[], None);
    assert!(swagger.header("content-security-policy").unwrap().contains("'unsafe-inline'"), "Swagger UI keeps its own");
}
