#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/: the iCalendar import's reader, the CSV import, the sync
# bodies, the reads' query strings) for SECONDS each, from the committed seeds
# (fuzz/seeds/<target>/, taken from the tests) and the corpus of earlier runs
# (fuzz/corpus/<target>/, not committed), with each target's dictionary.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      default: 300 s each, every target
#
# cargo fuzz needs a nightly compiler; the project's machines have stable only, which
# builds it with RUSTC_BOOTSTRAP=1. Installs cargo-fuzz when it is missing. A finding stops
# the target with its input in fuzz/artifacts/<target>/ and makes this script fail; copy a
# fixed finding into fuzz/seeds/<target>/ so every later run replays it.
# CRM_FUZZ_SANITIZER picks the sanitizer (default none: the project's own code forbids
# unsafe; `address` also checks the bundled SQLite, at several times the build time).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(ical sync_body query_string csv_import)
fi
sanitizer="${CRM_FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi

echo "== building the fuzz targets (sanitizer: $sanitizer)"
cargo fuzz build --sanitizer "$sanitizer"

for target in "${targets[@]}"; do
  echo "== fuzzing $target for ${seconds} s"
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run --sanitizer "$sanitizer" "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -dict="fuzz/$target.dict" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 2>&1 | grep -Ev '^#[0-9]+\s+(NEW|REDUCE|pulse)' || {
    echo "fuzz: $target found a failing input; see fuzz/artifacts/$target/" >&2
    exit 1
  }
done
echo "fuzz: no target failed"
