//! The committed `openapi/openapi.json` is exactly what the code generates.
//! Run with `UPDATE_OPENAPI=1` to rewrite it after changing the API.

use std::path::Path;
use std::process::Command;

#[test]
fn the_committed_spec_matches_the_code() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_crm-trends")).arg("openapi").output().expect("run crm-trends openapi");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let generated = String::from_utf8(output.stdout).expect("utf-8 spec");
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &generated).expect("rewrite openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p crm-server --test e2e openapi_spec` and commit it"
    );
}
