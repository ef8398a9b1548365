//! End-to-end tests: the real `crm-trends` binary, started on a free loopback port over a
//! temporary database and driven over HTTP. One test binary with a module per area, so the
//! suite links once; `cargo test -p crm-server --test e2e access` runs one area.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod support;

mod access;
mod calendar;
mod calendar_ics;
mod dashboard;
mod demo;
mod faults;
mod forecast;
mod hardening;
mod insights;
mod online_retail;
mod openapi_spec;
mod reorder;
mod sync_api;
