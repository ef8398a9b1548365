//! The sync endpoints' bodies (`POST /api/sync/customers`, `/sales`, `/products`): the first
//! byte picks the endpoint, the rest is the body, sent as JSON through the real route table
//! to the service and its store. Every answer must be a success or a problem (400, 413,
//! 422...), never a fault.
#![no_main]

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 3] = ["/api/sync/customers", "/api/sync/sales", "/api/sync/products"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let request =
        TestRequest::post().uri(path).insert_header(("content-type", "application/json")).set_payload(body.to_vec());
    crm_trends_fuzz::with_harness(|harness| harness.send(request));
});
