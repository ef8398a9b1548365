//! The query strings of every read (`GET /api/analytics/dashboard?from=...`, `/trends`,
//! `/forecast`, `/api/customers?q=...`, ...): the first byte picks the operation, the rest
//! is its query string, sent through the real route table over a store that holds a small
//! shop. Every answer must be a success or a problem, never a fault (a panic in date
//! arithmetic answered 500 before).
#![no_main]

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static PATHS: OnceLock<Vec<String>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&pick, query)) = data.split_first() else { return };
    let paths = PATHS.get_or_init(crm_trends_fuzz::read_paths);
    let path = &paths[usize::from(pick) % paths.len()];
    let Some(target) = crm_trends_fuzz::target(path, query) else { return };
    crm_trends_fuzz::with_harness(|harness| harness.send(TestRequest::get().uri(&target)));
});
