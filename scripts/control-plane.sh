#!/usr/bin/env bash
# A real Kubernetes control plane on this machine, for tests and trials:
#   scripts/control-plane.sh start DIR
# builds (once per machine, see tools/control-plane/build.sh) and starts etcd, kube-apiserver
# (https with a CA made for this run, the Node and RBAC authorizers, service-account tokens),
# kube-controller-manager, the Argo Rollouts controller with Argo Rollouts' and Istio's CRDs, and a
# node stand-in that runs pods as real HTTP listeners. Writes an admin kubeconfig to DIR/kubeconfig
# and DIR/cluster.json, prints "control plane ready" and runs until Ctrl+C or SIGTERM, which stop
# everything.
#
# Everything runs in a network namespace of its own, whose loopback device also holds the pod
# network (10.244.0.0/16), the Service range (10.96.0.0/16) and the node's address (10.240.0.1):
# pods and ClusterIPs answer real HTTP in there and nothing outside can be reached from them. From
# outside, kube-apiserver and an HTTP proxy into that network are on free ports of 127.0.0.1
# (DIR/cluster.json: "server", "proxy"), e.g. `curl -x $proxy http://CLUSTER-IP/`.
#
# POD_READY_DELAY_MS (default 500): time from a pod's start to Ready.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

readonly NODE_IP=10.240.0.1 POD_NETWORK=10.244 SERVICE_RANGE=10.96.0.0/16 API_PORT=6443

usage() {
  echo "usage: $0 start DIR" >&2
  exit 2
}

# --- certificates and kubeconfigs ------------------------------------------------------------

cert() { # NAME SUBJECT [SUBJECT-ALT-NAMES]
  local name=$1 subject=$2 san=${3:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subject" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" ${san:+-addext "subjectAltName=$san"} 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -copy_extensions copy -out "$pki/$name.crt" 2>/dev/null
}

make_pki() {
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=blue-green-test-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$NODE_IP,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=kubernetes-admin"
  cert controller-manager "/CN=system:kube-controller-manager"
  # The stand-in is kubelet, scheduler and kube-proxy at once.
  cert stand-in "/O=system:masters/CN=system:node-stand-in"
  # Its kubelet endpoint (pods/log), which kube-apiserver reaches at the node's address.
  cert kubelet "/CN=stand-in-node" "IP:$NODE_IP"
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$pki/sa.key"
  openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

kubeconfig() { # FILE SERVER USER [TOKEN]
  local file=$1 server=$2 user=$3 token=${4:-}
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: control-plane"
    echo "  cluster:"
    echo "    server: $server"
    echo "    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")"
    echo "users:"
    echo "- name: $user"
    echo "  user:"
    if [[ -n $token ]]; then
      echo "    token: $token"
    else
      echo "    client-certificate-data: $(base64 -w0 "$pki/$user.crt")"
      echo "    client-key-data: $(base64 -w0 "$pki/$user.key")"
    fi
    echo "contexts:"
    echo "- name: control-plane"
    echo "  context:"
    echo "    cluster: control-plane"
    echo "    user: $user"
    echo "    namespace: default"
    echo "current-context: control-plane"
  } >"$file"
}

wait_for() { # WHAT SECONDS COMMAND...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "control-plane: $what not ready after ${seconds}s" >&2
      return 1
    fi
    sleep 0.2
  done
}

# --- inside the network namespace ------------------------------------------------------------

inside() {
  local outer=$1
  ip link set lo up
  ip addr add "$NODE_IP/16" dev lo
  ip addr add "$POD_NETWORK.0.1/16" dev lo
  ip addr add "${SERVICE_RANGE%.0/16}.0/16" dev lo
  echo $$ >"$dir/inside.pid"

  local names=() pids=()
  run() { # NAME COMMAND...
    local name=$1
    shift
    "$@" >"$dir/logs/$name.log" 2>&1 &
    names+=("$name") && pids+=($!)
  }
  stop() { # [EXIT-CODE]: the parts in reverse order, each given 10 s to stop gracefully
    local code=${1:-0} i _
    trap - TERM INT HUP EXIT
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      kill -TERM "${pids[i]}" 2>/dev/null || continue
      for _ in {1..100}; do
        kill -0 "${pids[i]}" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    done
    exit "$code"
  }
  trap stop TERM INT HUP
  trap 'stop 1' EXIT

  local internal=$dir/internal api=https://127.0.0.1:$API_PORT
  mkdir -p "$internal"
  kubeconfig "$internal/admin.kubeconfig" "$api" admin
  kubeconfig "$internal/controller-manager.kubeconfig" "$api" controller-manager
  kubeconfig "$internal/stand-in.kubeconfig" "$api" stand-in
  local k="kubectl --kubeconfig $internal/admin.kubeconfig"

  run etcd "$etcd_bin/etcd" --name control-plane --data-dir "$dir/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster control-plane=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn

  run kube-apiserver "$kube_bin/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --secure-port "$API_PORT" --advertise-address "$NODE_IP" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC \
    --requestheader-client-ca-file "$pki/ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_RANGE" --profiling=false \
    --kubelet-preferred-address-types InternalIP,Hostname
  wait_for kube-apiserver 90 curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" \
    --key "$pki/admin.key" "$api/readyz"

  run kube-controller-manager "$kube_bin/kube-controller-manager" \
    --kubeconfig "$internal/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$internal/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$internal/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false \
    --use-service-account-credentials --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --cluster-signing-cert-file "$pki/ca.crt" \
    --cluster-signing-key-file "$pki/ca.key" --service-cluster-ip-range "$SERVICE_RANGE"

  # The projects' own CRDs, and Argo Rollouts' install manifest without its Deployment: the
  # controller runs here as a process, with the service account and ClusterRole it ships.
  $k apply --server-side -f "$istio_dir/manifests/istio-crds.yaml" >/dev/null
  $k create namespace argo-rollouts >/dev/null
  awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" } !/\nkind: Deployment\n/' \
    "$argo_dir/manifests/install.yaml" >"$internal/argo-rollouts-install.yaml"
  $k apply --server-side -n argo-rollouts -f "$internal/argo-rollouts-install.yaml" >/dev/null
  $k wait --for condition=established --timeout 60s crd --all >/dev/null
  wait_for "the argo-rollouts service account" 30 $k -n argo-rollouts get serviceaccount argo-rollouts
  kubeconfig "$internal/argo-rollouts.kubeconfig" "$api" argo-rollouts \
    "$($k -n argo-rollouts create token argo-rollouts --duration 24h)"
  run argo-rollouts env POD_NAMESPACE=argo-rollouts "$argo_dir/rollouts-controller" \
    --kubeconfig "$internal/argo-rollouts.kubeconfig" --leader-elect=false \
    --healthzPort 18080 --metricsPort 18090 --loglevel warn

  run stand-in node -r "$repo/node_modules/@backstage/cli-node/config/nodeTransform.cjs" \
    "$repo/packages/kube-sandbox/src/controlPlane/cli.ts" node \
    --kubeconfig "$internal/stand-in.kubeconfig" --dir "$dir" --node-ip "$NODE_IP" \
    --pod-network "$POD_NETWORK" --apiserver "127.0.0.1:$API_PORT" \
    --ready-delay-ms "${POD_READY_DELAY_MS:-500}" \
    --kubelet-cert "$pki/kubelet.crt" --kubelet-key "$pki/kubelet.key"
  wait_for "the node stand-in" 60 grep -qx ready "$dir/logs/stand-in.log"
  wait_for "the default service account" 60 $k -n default get serviceaccount default
  touch "$dir/inside.ready"

  # Stop when a part dies or the outer script is gone (even killed without a chance to clean up).
  while kill -0 "$outer" 2>/dev/null; do
    local i
    for i in "${!pids[@]}"; do
      if ! kill -0 "${pids[i]}" 2>/dev/null; then
        echo "control-plane: ${names[i]} exited; its log ($dir/logs/${names[i]}.log) ends:" >&2
        tail -n 20 "$dir/logs/${names[i]}.log" >&2
        stop 1
      fi
    done
    sleep 1
  done
  stop
}

# --- outside ------------------------------------------------------------------------------

start() {
  . "$repo/scripts/env.sh"
  local bins
  bins=$("$repo/tools/control-plane/build.sh" kubernetes etcd argo-rollouts istio)
  kube_bin=$(sed -n 1p <<<"$bins") etcd_bin=$(sed -n 2p <<<"$bins")
  argo_dir=$(sed -n 3p <<<"$bins") istio_dir=$(sed -n 4p <<<"$bins")
  export kube_bin etcd_bin argo_dir istio_dir

  local started=$SECONDS
  rm -rf "$dir/etcd" "$dir/logs" "$dir/internal" "$dir/pki" "$dir"/*.sock "$dir/inside."* "$dir/cluster.json"
  mkdir -p "$dir/logs"
  make_pki

  local inner relay_pid=
  unshare --net --fork --kill-child=SIGTERM bash "$0" __inside "$dir" $$ &
  inner=$!
  stop() {
    trap - TERM INT HUP
    [[ -n $relay_pid ]] && kill -TERM "$relay_pid" 2>/dev/null
    local pid
    pid=$(cat "$dir/inside.pid" 2>/dev/null || true)
    # unshare ignores SIGTERM while it waits for its child: signal the script inside, or, before
    # it has started, end unshare, which then sends its child SIGTERM (--kill-child).
    if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; else kill -KILL "$inner" 2>/dev/null || true; fi
    while kill -0 "$inner" 2>/dev/null || { [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }; do sleep 0.1; done
    wait 2>/dev/null || true
    echo "control plane stopped"
    exit "${1:-0}"
  }
  trap stop TERM INT HUP

  until [[ -f $dir/inside.ready ]]; do
    if ! kill -0 "$inner" 2>/dev/null; then
      echo "control-plane: failed to start; logs in $dir/logs" >&2
      stop 1
    fi
    sleep 0.2
  done

  node -r "$repo/node_modules/@backstage/cli-node/config/nodeTransform.cjs" \
    "$repo/packages/kube-sandbox/src/controlPlane/cli.ts" relay --dir "$dir" >"$dir/logs/relay.log" 2>&1 &
  relay_pid=$!
  wait_for "the relay" 30 grep -q '^{' "$dir/logs/relay.log"
  local ports api_port proxy_port
  ports=$(head -n 1 "$dir/logs/relay.log")
  api_port=$(sed 's/.*"api":\([0-9]*\).*/\1/' <<<"$ports")
  proxy_port=$(sed 's/.*"proxy":\([0-9]*\).*/\1/' <<<"$ports")
  kubeconfig "$dir/kubeconfig" "https://127.0.0.1:$api_port" admin
  local version
  version=$("$kube_bin/kube-apiserver" --version | cut -d' ' -f2)
  cat >"$dir/cluster.json" <<EOF
{"server": "https://127.0.0.1:$api_port", "proxy": "http://127.0.0.1:$proxy_port", "kubeconfig": "$dir/kubeconfig", "caFile": "$pki/ca.crt", "kubernetesVersion": "$version", "argoRolloutsBin": "$argo_dir", "startSeconds": $((SECONDS - started))}
EOF
  echo "control plane ready (Kubernetes $version) in $((SECONDS - started)) s: export KUBECONFIG=$dir/kubeconfig"
  echo "HTTP into the cluster network (pods, ClusterIPs): curl -x http://127.0.0.1:$proxy_port http://ADDRESS/"
  echo "kubectl argo rollouts: export PATH=$argo_dir:\$PATH"
  # Runs until stopped, a part dies, or whatever started it (a test run) is gone.
  while kill -0 "$inner" 2>/dev/null; do
    kill -0 "$PPID" 2>/dev/null || stop 0
    sleep 1
  done
  echo "control-plane: stopped by itself; logs in $dir/logs" >&2
  stop 1
}

case "${1:-}" in
  start)
    [[ -n ${2:-} ]] || usage
    mkdir -p "$2"
    dir=$(cd "$2" && pwd) pki=$dir/pki
    start
    ;;
  __inside)
    dir=$2 pki=$2/pki
    inside "$3"
    ;;
  *) usage ;;
esac
