#!/usr/bin/env bash
# Starts the product on this machine, installing whatever is missing first:
#   - the sandbox Kubernetes cluster (packages/kube-sandbox) on http://127.0.0.1:6550, with the seeds'
#     services, and a real Prometheus scraping it on http://127.0.0.1:9090;
#   - the Backstage app on http://localhost:3000 and its backend on http://localhost:7007.
# Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh prometheus
scripts/install.sh
. scripts/env.sh

mkdir -p .data
sandbox_log=.data/sandbox.log
yarn workspace @bluegreen-backstage/kube-sandbox start \
  --port 6550 --prometheus --prometheus-port 9090 --data-dir "$PWD/.data/sandbox" \
  >"$sandbox_log" 2>&1 &
sandbox_pid=$!
trap 'kill $sandbox_pid 2>/dev/null; wait $sandbox_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 120); do
  if grep -q 'Press Ctrl+C to stop' "$sandbox_log"; then break; fi
  if ! kill -0 $sandbox_pid 2>/dev/null; then
    cat "$sandbox_log" >&2
    echo "the sandbox cluster did not start (log above)" >&2
    exit 1
  fi
  sleep 1
done
sed '/Press Ctrl+C/d' "$sandbox_log"
echo "kubectl: export KUBECONFIG=$PWD/.data/sandbox/kubeconfig"

yarn start
