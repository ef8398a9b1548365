#!/usr/bin/env bash
# Mutation testing of the crates other Rust services link: crm-domain and crm-analytics,
# each mutated and tested with its own tests only (unit, property and doc tests), as a
# service linking the crate would have them. Prints each crate's score and the mutants
# that survived; exits 1 if either crate catches less than 95% of its viable mutants.
# Equivalent mutants are excluded, each with its reason, in .cargo/mutants.toml.
#
# Usage: scripts/mutants.sh [CRATE...]   (default: crm-domain crm-analytics)
# Needs cargo-mutants: cargo install cargo-mutants --locked
# Takes a while on two cores (about 20 minutes for crm-domain, 40 for crm-analytics).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || { echo "cargo-mutants is needed: cargo install cargo-mutants --locked" >&2; exit 1; }
crates=("$@")
[ ${#crates[@]} -gt 0 ] || crates=(crm-domain crm-analytics)
out="${MUTANTS_OUT:-target/mutants}"
status=0
for crate in "${crates[@]}"; do
  dir="$out/$crate"
  mkdir -p "$dir"
  echo "== $crate"
  # cargo-mutants exits 2 when mutants survive: the score below decides.
  cargo mutants --package "$crate" --test-package "$crate" --output "$dir" --jobs "${MUTANTS_JOBS:-1}" || true
  results="$dir/mutants.out"
  count() { if [ -f "$results/$1.txt" ]; then grep -c . "$results/$1.txt" || true; else echo 0; fi; }
  caught=$(count caught) missed=$(count missed) timeout=$(count timeout) unviable=$(count unviable)
  viable=$((caught + missed + timeout))
  if [ "$viable" -eq 0 ]; then echo "no viable mutants: did the baseline build fail? see $results" >&2; status=1; continue; fi
  # A timeout is a mutant the tests did not let pass (an endless loop): caught.
  score=$(( (caught + timeout) * 1000 / viable ))
  printf '%s: %d viable (%d unviable), %d caught, %d timed out, %d missed: %d.%d%% caught\n' \
    "$crate" "$viable" "$unviable" "$caught" "$timeout" "$missed" $((score / 10)) $((score % 10))
  if [ "$missed" -gt 0 ]; then sed 's/^/  survived: /' "$results/missed.txt"; fi
  if [ "$score" -lt 950 ]; then status=1; fi
done
exit $status
