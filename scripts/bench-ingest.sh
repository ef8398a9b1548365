#!/usr/bin/env bash
# Ingest benchmark: HTTP sync rate next to a bare SQLite insert of the same rows.
# Usage: scripts/bench-ingest.sh [--preload N] [--sales N] [--batch N] [--clients N]
# Defaults: 1,000,000 sales preloaded, 100,000 sent in batches of 1,000 from 2 clients.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p crm-server --bin crm-trends --example ingest_bench
exec target/release/examples/ingest_bench "$@"
