#!/usr/bin/env bash
# The one command that runs every test of the product on a fresh machine:
#   type-check, lint, unit and integration tests (Jest: real SQLite/PostgreSQL, sandbox cluster,
#   a real Kubernetes control plane, real Prometheus), then browser tests (Playwright + Debian's
#   Chromium against the real app), then the adopter test (the packed plugins in a fresh Backstage
#   app, wired from their READMEs).
# It installs what is missing first. The last line is the summary: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh prometheus chromium postgresql control-plane || exit 1
scripts/install.sh || exit 1
. scripts/env.sh
. scripts/postgres.sh

results=test-results
rm -rf "$results" && mkdir -p "$results"
failed_steps=()

step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  if ! "$@"; then
    failed_steps+=("$name")
  fi
}

# The real control plane's binaries (kube-apiserver, kube-controller-manager, etcd, Argo Rollouts),
# built once per machine from their Go modules; the suites that use it start and stop their own.
step "control-plane build" tools/control-plane/build.sh
step "type-check" yarn tsc
# The published packages: their API reports are current (from the type-check's declarations), and
# backstage-cli has nothing to fix for publishing.
step "api reports" yarn build:api-reports:only --ci
step "publish check" yarn backstage-cli repo fix --publish --check
step "lint" yarn backstage-cli repo lint
step "import circles" yarn lint:circular
step "format" yarn prettier --check --loglevel warn .
# @kubernetes/client-node is ESM-only: Jest loads it through the VM modules API, as Backstage's own
# kubernetes packages do.
step "unit and integration tests" env NODE_OPTIONS=--experimental-vm-modules CI=true \
  yarn backstage-cli repo test --json --outputFile="$results/jest.json"
step "app build" yarn workspace app build
step "browser tests" env CI=true yarn playwright test
# A fresh Backstage app with the packed plugins, wired from the READMEs (scripts/adopter-test.sh).
step "adopter test" bash scripts/adopter-test.sh

echo
node scripts/test-summary.js "$results/jest.json" "$results/playwright.json" "${failed_steps[@]}"
