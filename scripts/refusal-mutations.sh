#!/usr/bin/env bash
# Shows that every refusal is guarded by its tests: for each `refused-*` code, the policy
# compiler is made to emit another code where it emitted this one, and the refusal tests are
# run (with the adversarial corpus, and the sources file's checks for the authorities). Every line
# must report at least one failing test. The sources are restored after each run.
set -euo pipefail
cd "$(dirname "$0")/.."
files=(crates/policy/src/compile.rs crates/policy/src/compile/*.rs crates/policy/src/lexicon.rs crates/registry/src/sources.rs)
backup=$(mktemp -d)
cp "${files[@]}" "$backup"/
restore() { for f in "${files[@]}"; do cp "$backup/$(basename "$f")" "$f"; done; }
trap 'restore; rm -rf "$backup"' EXIT
status=0
for code in $(grep -oP 'pub const \K[A-Z_]+(?=: &str = "refused-)' crates/policy/src/refusal.rs); do
  sed -i "s/refusal::$code\b/\"mutated\"/g" "${files[@]}"
  failed=0
  for suite in "-p credence-policy --test refusals" "-p credence-policy --test adversarial" \
    "-p credence-registry --test adversarial_sources"; do
    n=$(cargo test -q $suite 2>&1 | grep -oP '\d+(?= failed)' | head -1 || true)
    failed=$((failed + ${n:-0}))
  done
  echo "$code: $failed refusal tests fail without the check"
  [ "$failed" -gt 0 ] || status=1
  restore
done
exit $status
