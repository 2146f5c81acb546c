#!/usr/bin/env bash
# The adopter test: the plugins installed in a Backstage app they have never seen, as a platform
# team would do it.
#   1. the five plugin packages built and packed with `yarn pack` (what npm would serve);
#   2. a fresh app from @backstage/create-app of the Backstage release in backstage.json, in a
#      temporary folder;
#   3. wired only by following the plugin READMEs' install sections (scripts/adopter/follow-readmes.js);
#   4. `yarn tsc` (the legacy frontend system's wiring from the README included) and a production
#      build of the app;
#   5. the app's backend (`yarn workspace backend start`, serving the built app) against a sandbox
#      cluster and Prometheus, and Chromium opening the Blue/Green tab and the fleet page, with a
#      promote through the UI (playwright.adopter.config.ts).
# Run from the repository root after `yarn tsc` (the packages' type declarations come from it).
# ADOPTER_KEEP=1 keeps the app folder for a look afterwards; ADOPTER_TARBALLS=<dir> takes the
# tarballs of an earlier run instead of packing again (when working on this script).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

# The create-app release of backstage.json's Backstage version (create-app's own version differs).
CREATE_APP_VERSION=0.9.2
PLUGINS=(blue-green-common blue-green-node blue-green-backend blue-green scaffolder-backend-module-blue-green)

work="$(mktemp -d "${TMPDIR:-/tmp}/blue-green-adopter-XXXXXX")"
app="$work/app"
tarballs="$work/tarballs"
mkdir -p "$tarballs" test-results
if [ -z "${ADOPTER_KEEP:-}" ]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "[adopter] app kept in $app"
fi
started=$SECONDS
phase() { echo "[adopter] $1 (at $((SECONDS - started)) s)"; }

phase "packing the plugins"
if [ -n "${ADOPTER_TARBALLS:-}" ]; then
  cp "$ADOPTER_TARBALLS"/*.tgz "$tarballs/"
  PLUGINS=()
fi
for plugin in "${PLUGINS[@]}"; do
  (
    cd "plugins/$plugin"
    yarn backstage-cli package build >"$work/build-$plugin.log" 2>&1 ||
      { cat "$work/build-$plugin.log"; exit 1; }
    # prepack (backstage-cli package prepack) points main/types at dist/ and turns workspace:^
    # ranges into versions, as for npm publish; postpack restores package.json.
    yarn pack --out "$tarballs/$plugin.tgz" >"$work/pack-$plugin.log" 2>&1 ||
      { cat "$work/pack-$plugin.log"; exit 1; }
  )
done

phase "creating the app with @backstage/create-app@$CREATE_APP_VERSION"
echo "adopter-app" | npx -y "@backstage/create-app@$CREATE_APP_VERSION" \
  --path "$app" --skip-install >"$work/create-app.log" 2>&1 ||
  { cat "$work/create-app.log"; exit 1; }
release="$(node -p "require('./backstage.json').version")"
created="$(node -p "require('$app/backstage.json').version")"
if [ "$release" != "$created" ]; then
  echo "[adopter] create-app $CREATE_APP_VERSION makes a $created app, this repository is on $release: update CREATE_APP_VERSION"
  exit 1
fi

# Pins, in the app's root `resolutions`:
# - create-app seeds a new app's yarn.lock with the release's versions from GitHub, which is out of
#   reach here; without it every `^` range takes the newest release, and newer plugins than the
#   release's backend-defaults break the backend at start-up (signals-backend 0.3.21 calls
#   httpRouter.addWebSocketHandler, which backend-defaults 0.18.0 lacks). Every @backstage package
#   of this repository's lockfile (the same release) is pinned to its version instead;
# - the registry mirror lacks some platform builds and quarantines releases younger than
#   create-app's npmMinimalAgeGate: the mirror's pins of our root package.json (see the README's
#   "Pinned versions"), and Playwright at the version of our lockfile.
node - "$app" <<'EOF'
const fs = require('node:fs');
const [app] = process.argv.slice(2);
const ours = require('./package.json').resolutions;
const file = `${app}/package.json`;
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
const lockfile = fs.readFileSync('yarn.lock', 'utf8');
const locked = /^"(@backstage\/[^@"]+)@npm:[^\n]*:\n  version: ([^\n]+)/gm;
for (const [, name, version] of lockfile.matchAll(locked)) {
  manifest.resolutions[name] = version;
}
for (const name of ['@swc/core', 'unrs-resolver', '@yarnpkg/core', 'rollup']) {
  manifest.resolutions[name] = ours[name];
}
manifest.resolutions['@playwright/test'] =
  require('@playwright/test/package.json').version;
fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
EOF

phase "following the plugin READMEs"
node scripts/adopter/follow-readmes.js "$app" "$tarballs"
# The Blue/Green packages' own dependencies on each other resolve to the same tarballs.
node - "$app" "$tarballs" <<'EOF'
const fs = require('node:fs');
const [app, tarballs] = process.argv.slice(2);
const file = `${app}/package.json`;
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
for (const tarball of fs.readdirSync(tarballs)) {
  manifest.resolutions[`@bluegreen-backstage/plugin-${tarball.replace(/\.tgz$/, '')}`] =
    `file:${tarballs}/${tarball}`;
}
fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
EOF

# What makes the install take minutes, cached or skipped:
# - packages come from Yarn's global cache (shared with this repository's install);
# - the resolution of the last successful run is reused (its yarn.lock, outside the clone, so a CI
#   run on the same machine has it); Yarn re-resolves whatever changed, such as the tarballs;
# - native builds the test never runs are skipped: tree-sitter (API docs' Swagger parser, used in
#   the browser as WebAssembly), keytar (the CLI's credential store), cpu-features (ssh2's
#   optional speed-up), and postinstall banners (core-js, @scarf/scarf).
cache="${XDG_CACHE_HOME:-$HOME/.cache}/blue-green-adopter"
mkdir -p "$cache"
[ -f "$cache/yarn.lock" ] && cp "$cache/yarn.lock" "$app/yarn.lock"
node - "$app" <<'EOF'
const fs = require('node:fs');
const [app] = process.argv.slice(2);
const file = `${app}/package.json`;
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
manifest.dependenciesMeta = Object.fromEntries(
  ['tree-sitter', 'keytar', 'cpu-features', 'core-js', 'core-js-pure', '@scarf/scarf'].map(
    name => [name, { built: false }],
  ),
);
fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
EOF

phase "installing"
# The new app's lockfile is written here (CI=true would make Yarn refuse to write it).
(cd "$app" && YARN_ENABLE_IMMUTABLE_INSTALLS=false yarn install >"$work/install.log" 2>&1) ||
  { tail -50 "$work/install.log"; exit 1; }
cp "$app/yarn.lock" "$cache/yarn.lock"

phase "type-checking"
(cd "$app" && yarn tsc) || exit 1

phase "building the app for production"
(cd "$app" && yarn workspace app build >"$work/app-build.log" 2>&1) ||
  { tail -50 "$work/app-build.log"; exit 1; }

phase "browser test: the app's backend serving the built app"
ADOPTER_APP_DIR="$app" CI=true yarn playwright test -c playwright.adopter.config.ts
phase "done"
