#!/bin/bash
# berth and Debian's containerd measured side by side by one benchmark (test/bench), over their CRI sockets.
#
#   scripts/bench-compare.sh [--quick] [--rounds N] [--runtimes berth,containerd] [--out FILE.json]
#
# As root (BENCH_SCENARIOS=lifecycle,pull,... runs only those; BENCH_RESTARTS=N: restarts measured, 3 by default;
# BENCH_NET=N: own bridges and subnets, below;
# BENCH_WORKDIR=<dir>: the temp dir goes there instead of /tmp, to measure another filesystem).
# Starts docker-registry on 127.0.0.1 (temp dir, free port) and pushes the generated images; then, per
# round and in alternating order, starts each runtime on temp roots with its own socket, runs the benchmark against
# it and stops it. Prints the table (medians per runtime, berth/containerd ratios with their spread over rounds) and
# writes the JSON. Everything it starts is stopped by pid; every mount, veth, bridge and nft table it made is
# removed on exit, also after a failure or ^C. See test/bench/README.md.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
QUICK=""
ROUNDS=""
RUNTIMES="berth,containerd"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=--quick ;;
    --rounds) ROUNDS=$2; shift ;;
    --runtimes) RUNTIMES=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench-compare: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$ROUNDS" ] || { [ -n "$QUICK" ] && ROUNDS=1 || ROUNDS=2; }
[ "$(id -u)" = 0 ] || { echo "bench-compare: must run as root" >&2; exit 1; }
for bin in docker-registry runc catatonit busybox; do
  command -v "$bin" >/dev/null || { echo "bench-compare: $bin missing (scripts/install-deps.sh)" >&2; exit 1; }
done
case ",$RUNTIMES," in *,containerd,*) command -v containerd >/dev/null \
  || { echo "bench-compare: containerd missing" >&2; exit 1; } ;; esac

BERTHD_DIST=${BERTHD_DIST:-$REPO/cri-server/target/berthd}
if [ -z "${BENCH_CP:-}" ]; then
  if [ ! -d "$REPO/test/bench/target/bench/lib" ] || [ ! -x "$BERTHD_DIST/bin/berthd" ]; then
    echo "== building berthd and the bench (mvn package)" >&2
    (cd "$REPO" && mvn -B -q -pl test/bench -am -DskipTests package)
  fi
  BENCH_CP="$REPO/test/bench/target/bench/lib/*"
fi
JAVA=${BENCH_JAVA:-java}
bench() { "$JAVA" -XX:+UseSerialGC -Xmx1g -cp "$BENCH_CP" io.berth.bench.Bench "$@"; }

W=$(mktemp -d "${BENCH_WORKDIR:-/tmp}/berth-bench.XXXXXX")
RESULTS=${BENCH_RESULTS:-$REPO/test/bench/target/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"
[ -n "$OUT" ] || OUT=$RESULTS/bench-compare.json
# BENCH_NET=<1-254> gives a run bridges and subnets of its own (bbench<N>, cbench<N>, 10.<N>.0.0/22, 10.<N>.4.0/22),
# so that two runs can share a machine.
BERTH_BRIDGE=bbench${BENCH_NET:-0}
BERTH_SUBNET=10.${BENCH_NET:-251}.0.0/22
CTD_BRIDGE=cbench${BENCH_NET:-0}
CTD_SUBNET=10.${BENCH_NET:-251}.4.0/22
FORWARD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
SHIM_SOCKETS_BEFORE=$(ls /run/containerd/s 2>/dev/null || true)
NETNS_BEFORE=$(ls /run/netns 2>/dev/null || true)

log() { echo "== $*" >&2; }

# Kill a pid if it is alive: TERM, then KILL after $2 seconds.
stop_pid() {
  local pid=$1 grace=${2:-30} i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# Every process whose command line names dir $1 (our temp dirs are unique), other than this shell.
pids_under() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$1" && echo "$p"
  done
  return 0
}

# Tears one runtime down: its pods (through CRI, while it still answers), the daemon, any shim or container left,
# mounts under its dir, its bridge, veths and nft table.
teardown() {
  local name=$1 d=$W/$1 bridge=$2 pid p r id
  [ -d "$d" ] || return 0
  if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
    timeout 180 "$JAVA" -cp "$BENCH_CP" io.berth.bench.Bench cleanup --endpoint "unix://$d/$name.sock" \
      >>"$d/cleanup.log" 2>&1 || log "$name: removing pods through CRI failed (see $d/cleanup.log); killing"
    stop_pid "$(cat "$d/pid")" 30
  fi
  for r in "$d/state/runtime/runc" "$d/runc"; do
    [ -d "$r" ] || continue
    for id in $(runc --root "$r" list -q 2>/dev/null); do runc --root "$r" delete --force "$id" >/dev/null 2>&1 || true; done
  done
  for p in $(pids_under "$d"); do stop_pid "$p" 5; done
  awk -v d="$d" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  if ip link show "$bridge" >/dev/null 2>&1; then
    for p in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
      ip link del "$p" 2>/dev/null || true
    done
    ip link del "$bridge" 2>/dev/null || true
  fi
  # containerd names its pod netns /run/netns/cni-*; ours are the new ones its metadata mentions.
  if [ -d /run/netns ] && [ -f "$d/root/io.containerd.metadata.v1.bolt/meta.db" ]; then
    for p in /run/netns/cni-*; do
      [ -e "$p" ] || continue
      grep -qxF "$(basename "$p")" <<<"$NETNS_BEFORE" && continue
      grep -qaF "$(basename "$p")" "$d/root/io.containerd.metadata.v1.bolt/meta.db" || continue
      umount "$p" 2>/dev/null; rm -f "$p" 2>/dev/null || log "warning: could not remove $p (a mount hidden under another)"
    done
  fi
  nft delete table inet "berth_${bridge//-/_}" 2>/dev/null || true
  rm -rf --one-file-system "$d" 2>/dev/null || true
}

cleanup() {
  local rc=$? s
  set +e
  trap - EXIT INT TERM
  teardown berth "$BERTH_BRIDGE"
  teardown containerd "$CTD_BRIDGE"
  [ -f "$W/registry/pid" ] && stop_pid "$(cat "$W/registry/pid")" 10
  echo "$FORWARD_BEFORE" > /proc/sys/net/ipv4/ip_forward
  # containerd's shims put their sockets in /run/containerd/s; drop those that appeared during the run and that
  # nothing listens on any more (a shim killed above).
  if [ -d /run/containerd/s ]; then
    for s in /run/containerd/s/*; do
      [ -e "$s" ] || continue
      grep -qxF "$(basename "$s")" <<<"$SHIM_SOCKETS_BEFORE" && continue
      grep -qF " $s" /proc/net/unix || rm -f "$s"
    done
  fi
  rm -rf --one-file-system "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

# ---- registry and images ----
mkdir -p "$W/registry"
PORT=$(free_port)
REG=127.0.0.1:$PORT
cat >"$W/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $W/registry/data
http:
  addr: $REG
EOF
docker-registry serve "$W/registry/config.yml" >"$W/registry/registry.log" 2>&1 </dev/null &
echo $! >"$W/registry/pid"
for ((i = 0; i < 100; i++)); do
  curl -fs "http://$REG/v2/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$REG/v2/" >/dev/null || { cat "$W/registry/registry.log" >&2; exit 1; }
log "registry on $REG; generating and pushing images"
bench images --registry "$REG" --out "$W/images.json" $QUICK
# Both runtimes read the same hosts.toml: plain HTTP to the local registry.
mkdir -p "$W/hosts/certs.d/$REG"
cat >"$W/hosts/certs.d/$REG/hosts.toml" <<EOF
server = "http://$REG"

[host."http://$REG"]
  capabilities = ["pull", "resolve"]
EOF

# ---- runtimes ----
start_berth() {
  local d=$W/berth
  mkdir -p "$d"
  cat >"$d/config.toml" <<EOF
[image]
registry_config_dir = "$W/hosts"

[network]
bridge = "$BERTH_BRIDGE"
subnet = "$BERTH_SUBNET"
EOF
  cat >"$d/start.sh" <<EOF
#!/bin/sh
BERTH_JAVA=\${BERTH_JAVA:-$(command -v "$JAVA")} "$BERTHD_DIST/bin/berthd" --config "$d/config.toml" \
  --root "$d/root" --state "$d/state" --socket "$d/berth.sock" >>"$d/daemon.log" 2>&1 </dev/null &
echo \$! >"$d/pid"
EOF
  chmod +x "$d/start.sh"
  "$d/start.sh"
  RUN_ARGS=(--endpoint "unix://$d/berth.sock" --name berth --marker "$d" --restart-cmd "$d/start.sh")
}

start_containerd() {
  local d=$W/containerd
  mkdir -p "$d/cni-conf" "$d/runc"
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.opt",
  "io.containerd.tracing.processor.v1.otlp",
]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REG/bench/pause:1"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$d/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni-conf"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$W/hosts/certs.d"
EOF
  # The bridge plugin on its own bridge and subnet; no gateway and no masquerade, so it neither turns on
  # forwarding nor adds iptables rules (the pods need no traffic off the bridge here).
  cat >"$d/cni-conf/10-bench.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "berth-bench",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CTD_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$CTD_SUBNET" }]],
        "dataDir": "$d/cni-ipam"
      }
    }
  ]
}
EOF
  cat >"$d/start.sh" <<EOF
#!/bin/sh
containerd --config "$d/config.toml" >>"$d/daemon.log" 2>&1 </dev/null &
echo \$! >"$d/pid"
EOF
  chmod +x "$d/start.sh"
  "$d/start.sh"
  RUN_ARGS=(--endpoint "unix://$d/containerd.sock" --name containerd --marker "$d" --restart-cmd "$d/start.sh"
            --pause-image "$REG/bench/pause:1")
}

run_one() {
  local name=$1 round=$2 bridge
  [ "$name" = berth ] && bridge=$BERTH_BRIDGE || bridge=$CTD_BRIDGE
  log "round $round: $name"
  "start_$name"
  bench run "${RUN_ARGS[@]}" --images "$W/images.json" --workdir "$W/$name/work" --round "$round" $QUICK \
    ${BENCH_SCENARIOS:+--scenarios "$BENCH_SCENARIOS"} ${BENCH_RESTARTS:+--restarts "$BENCH_RESTARTS"} \
    --out "$RESULTS/$name-round$round.json" \
    || { log "$name failed; its log:"; tail -n 40 "$W/$name/daemon.log" >&2; exit 1; }
  teardown "$name" "$bridge"
}

IFS=, read -r -a ORDER <<<"$RUNTIMES"
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2 == 1)); then seq=("${ORDER[@]}"); else seq=(); for ((k = ${#ORDER[@]} - 1; k >= 0; k--)); do seq+=("${ORDER[k]}"); done; fi
  for name in "${seq[@]}"; do run_one "$name" "$round"; done
done

FILES=()
for name in "${ORDER[@]}"; do for ((round = 1; round <= ROUNDS; round++)); do FILES+=("$RESULTS/$name-round$round.json"); done; done
bench compare --out "$OUT" --markdown "$RESULTS/table.md" "${FILES[@]}"
log "JSON: $OUT; table: $RESULTS/table.md"
