#!/usr/bin/env bash
# Builds the real control plane's binaries from their Go modules, once per machine:
#   tools/control-plane/build.sh MODULE...   (kubernetes, etcd, argo-rollouts; default: all)
# prints, one line per module, the folder that holds its binaries.
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
ldflags_for() {
  local module=$1 version
  case $module in
    kubernetes)
      version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/kubernetes/go.mod")
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
      version=$(awk '$1 == "require" && $2 == "github.com/argoproj/argo-rollouts" { print $3 }' "$here/argo-rollouts/go.mod")
      echo "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=$version"
      ;;
    *) echo "-s -w" ;;
  esac
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
      echo "building $module (first time on this machine: minutes) ..." >&2
      local started=$SECONDS
      rm -rf "$out.tmp" && mkdir -p "$out.tmp"
      (cd "$dir" && go build -trimpath -ldflags "$(ldflags_for "$module")" -o "$out.tmp/" tool) >&2
      # The etcd server's main package is the module root, so its binary is named after the module.
      [[ -f $out.tmp/v3 ]] && mv "$out.tmp/v3" "$out.tmp/etcd"
      touch "$out.tmp/.complete"
      rm -rf "$out" && mv "$out.tmp" "$out"
      echo "built $module in $((SECONDS - started)) s: $out" >&2
    fi
    exec {lock}>&-
  fi
  echo "$out"
}

modules=("$@")
[[ ${#modules[@]} -gt 0 ]] || modules=(kubernetes etcd argo-rollouts)
for module in "${modules[@]}"; do build "$module"; done
