#!/usr/bin/env bash
# Installs the JavaScript dependencies (Node 22 comes from scripts/env.sh).
# With CI set, the lockfile must already be up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

if [ -n "${CI:-}" ]; then
  yarn install --immutable
else
  yarn install
fi
