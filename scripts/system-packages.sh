#!/usr/bin/env bash
# Installs the Debian packages the product needs and that are not there yet.
#   scripts/system-packages.sh prometheus chromium postgresql control-plane
# Prometheus feeds the checklists and automatic rollback, Chromium runs the browser tests,
# PostgreSQL runs the production-database tests, control-plane the real Kubernetes control plane's
# tools. Each is only installed when its binary is missing.
set -euo pipefail

missing=()
for pkg in "$@"; do
  case "$pkg" in
    prometheus) [ -x /usr/bin/prometheus ] || missing+=(prometheus) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    postgresql) command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql) ;;
    # scripts/control-plane.sh: a network namespace (ip), its CA (openssl), its readiness (curl).
    control-plane)
      command -v ip >/dev/null 2>&1 || missing+=(iproute2)
      command -v openssl >/dev/null 2>&1 || missing+=(openssl)
      command -v curl >/dev/null 2>&1 || missing+=(curl)
      ;;
    *) echo "unknown package $pkg" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "[system] installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
