//! End-to-end tests: the real `crm-trends` binary, started on a free loopback port over a
//! temporary database and driven over HTTP. One test binary with a module per area, so the
//! suite links once; `cargo test -p crm-server --test e2e access` runs one area.
//!
//! The suite runs twice: on SQLite files, and (the `postgresql_half` test, which runs this
//! same binary again with `CRM_E2E_BACKEND=postgresql`) with every server on a scratch
//! database of the PostgreSQL server `CRM_TEST_POSTGRES` names. Without that server the
//! PostgreSQL half is skipped with a message, unless `CRM_REQUIRE_POSTGRES=1` (as in CI).
//! `CRM_E2E_BACKEND=postgresql cargo test -p crm-server --test e2e access` runs one area on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod support;

mod access;
mod calendar;
mod calendar_ics;
mod customer_value;
mod dashboard;
mod demo;
mod export;
mod faults;
mod forecast;
mod hardening;
mod import;
mod insights;
mod online_retail;
mod openapi_spec;
mod personal;
mod reorder;
mod replicas;
mod sync_api;

/// Every other test of this binary once more, on PostgreSQL.
#[test]
fn postgresql_half() {
    use std::io::Write;
    if support::on_postgres() {
        return; // this is that run
    }
    // One scratch database proves the server answers (or says why the half is skipped).
    let Some(probe) = crm_storage::scratch::ScratchDatabase::create("the end-to-end suite") else {
        return;
    };
    drop(probe);
    let started = std::time::Instant::now();
    let run = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--skip", "postgresql_half"])
        .env(support::BACKEND_VARIABLE, "postgresql")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the end-to-end suite failed on PostgreSQL:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Its tally, on a line of its own past the output capture, so a log counts these tests.
    let tally = stdout.lines().find(|line| line.starts_with("test result:")).unwrap_or("test result: none");
    let line = format!("{tally} (the PostgreSQL half, {:.0} s)\n", started.elapsed().as_secs_f64());
    std::io::stdout().write_all(line.as_bytes()).unwrap();
}
