#!/usr/bin/env bash
# Starts the product on this machine: the Backstage app on http://localhost:3000 and its backend
# (with the Blue/Green plugin) on http://localhost:7007. Installs whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh
. scripts/env.sh

exec yarn start
