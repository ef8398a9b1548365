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

/// Every operation has its own `operationId`: OpenAPI requires it, and a generated client
/// names its methods and types by it (two operations of one id collide there).
#[test]
fn every_operation_id_is_unique() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_crm-trends")).arg("openapi").output().expect("run crm-trends openapi");
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON spec");
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let Some(id) = operation["operationId"].as_str() else { continue };
            let here = format!("{} {path}", method.to_uppercase());
            if let Some(first) = seen.insert(id.to_owned(), here.clone()) {
                panic!("operationId {id} names both {first} and {here}");
            }
        }
    }
    assert!(seen.len() >= 33, "only {} operations", seen.len());
}
