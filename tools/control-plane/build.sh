#!/usr/bin/env bash
# Builds the real control plane's binaries from their Go modules, once per machine:
#   tools/control-plane/build.sh MODULE...   (kubernetes, etcd, argo-rollouts, istio; default: all)
# prints, one line per module, the folder that holds its binaries (and manifests/ for the
# CustomResourceDefinitions and install manifests the projects ship in the same modules).
#
# Each module folder here holds only a go.mod/go.sum whose `tool` lines name the commands to build.
# Binaries, downloaded modules and Go's build cache live outside the clone (BLUE_GREEN_TOOLS_CACHE,
# default ~/.cache/blue-green-tools), so every clone on the machine shares them. A build is keyed by
# what it is made from (go.mod, go.sum, this script, the Go version): change any and it builds anew.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BLUE_GREEN_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blue-green-tools}
export GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

# Version stamps a release build carries (Kubernetes' hack/lib/version.sh sets the same variables):
# without them the servers call themselves v0.0.0-master and clients' version checks misread them.
required() { # GO.MOD MODULE-PATH: the version go.mod requires
  awk -v m="$2" '($1 == "require" && $2 == m) { print $3 } ($1 == m && $2 ~ /^v/) { print $2 }' "$1"
}

ldflags_for() {
  local module=$1 version
  case $module in
    kubernetes)
      version=$(required "$here/kubernetes/go.mod" k8s.io/kubernetes)
      local major=${version#v} && major=${major%%.*}
      local minor=${version#v*.} && minor=${minor%%.*}
      local key value flags=()
      for key in gitVersion:"$version" gitMajor:"$major" gitMinor:"$minor" gitTreeState:clean; do
        value=${key#*:} && key=${key%%:*}
        flags+=("-X k8s.io/component-base/version.$key=$value" "-X k8s.io/client-go/pkg/version.$key=$value")
      done
      echo "-s -w ${flags[*]}"
      ;;
    argo-rollouts)
      version=$(required "$here/argo-rollouts/go.mod" github.com/argoproj/argo-rollouts)
      echo "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${version#v}"
      ;;
    *) echo "-s -w" ;;
  esac
}

# The projects' own manifests, from the same module versions as the binaries.
copy_manifests() {
  local module=$1 to=$2 src
  case $module in
    argo-rollouts)
      src=$(cd "$here/$module" && go mod download -json github.com/argoproj/argo-rollouts | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
      mkdir -p "$to" && cp "$src"/manifests/crds/*-crd.yaml "$src/manifests/install.yaml" "$to/"
      ;;
    istio)
      src=$(cd "$here/$module" && go mod download -json istio.io/api | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
      mkdir -p "$to" && cp "$src/kubernetes/customresourcedefinitions.gen.yaml" "$to/istio-crds.yaml"
      ;;
  esac
  chmod -R u+w "$to" 2>/dev/null || true
}

build() {
  local module=$1 dir=$here/$1
  [[ -f $dir/go.mod ]] || { echo "build.sh: no module '$module' in $here" >&2; return 1; }
  local key
  key=$(cat "$dir/go.mod" "$dir/go.sum" "$0" <(go version) | sha256sum | cut -c1-16)
  local out=$cache/bin/$module-$key
  if [[ ! -f $out/.complete ]]; then
    mkdir -p "$cache/bin"
    # One build at a time per module, also across clones; a second caller waits and then reuses it.
    exec {lock}>"$cache/bin/$module.lock"
    flock "$lock"
    if [[ ! -f $out/.complete ]]; then
      echo "building $module (once per machine and version) ..." >&2
      local started=$SECONDS
      rm -rf "$out.tmp" && mkdir -p "$out.tmp"
      if grep -q '^tool' "$dir/go.mod"; then
        (cd "$dir" && go build -trimpath -ldflags "$(ldflags_for "$module")" -o "$out.tmp/" tool) >&2
      fi
      # The etcd server's main package is its module's root, go.etcd.io/etcd/server/v3.
      if [[ -f $out.tmp/server ]]; then mv "$out.tmp/server" "$out.tmp/etcd"; fi
      copy_manifests "$module" "$out.tmp/manifests"
      touch "$out.tmp/.complete"
      rm -rf "$out" && mv "$out.tmp" "$out"
      # Builds from older go.mod versions are not used again: keep the cache to one per module.
      find "$cache/bin" -maxdepth 1 -name "$module-*" ! -path "$out" -exec rm -rf {} +
      echo "built $module in $((SECONDS - started)) s: $out" >&2
    fi
    exec {lock}>&-
  fi
  echo "$out"
}

modules=("$@")
[[ ${#modules[@]} -gt 0 ]] || modules=(kubernetes etcd argo-rollouts istio)
for module in "${modules[@]}"; do build "$module"; done
