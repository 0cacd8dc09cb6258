#!/bin/bash
# berthd's own memory footprint and where it goes (heap, metaspace, code cache, threads, native memory).
#
#   scripts/berthd-footprint.sh [--no-nmt] [--calls N] [--settle SECONDS]
#
# As root. Starts the packaged berthd (cri-server/target/berthd, or $BERTHD_DIST) on temp roots with its own
# socket, bridge name and subnet, waits (60 s at most) until its socket answers, makes N rounds (default 5) of
# read-only CRI calls with crictl (~/.cache/berth/tools/*/crictl or $CRICTL; none without it), waits SECONDS
# (default 15: the JIT settles and the native heap trim runs), then prints PSS/RSS (/proc/<pid>/smaps_rollup,
# read before jcmd attaches), threads by name, the NMT summary (berthd runs with -XX:NativeMemoryTracking=summary
# unless --no-nmt, which gives the PSS without NMT's own few MiB) and the heap after a full GC. BERTH_JAVA_OPTS
# adds JVM flags as with the launcher. Stops berthd (and the shim host it starts) by pid; removes its temp dir,
# bridge and nft table.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
NMT=1
CALLS=5
SETTLE=15
while [ $# -gt 0 ]; do
  case "$1" in
    --no-nmt) NMT="" ;;
    --calls) CALLS=$2; shift ;;
    --settle) SETTLE=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "berthd-footprint: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "berthd-footprint: must run as root" >&2; exit 1; }
DIST=${BERTHD_DIST:-$REPO/cri-server/target/berthd}
[ -x "$DIST/bin/berthd" ] || { echo "berthd-footprint: no $DIST/bin/berthd (mvn -B -q -DskipTests package)" >&2; exit 1; }
JAVA=${BERTH_JAVA:-$(command -v java)}
JCMD=$(dirname "$(readlink -f "$JAVA")")/jcmd
[ -x "$JCMD" ] || { echo "berthd-footprint: no jcmd beside $JAVA" >&2; exit 1; }
CRICTL=${CRICTL:-$(ls ~/.cache/berth/tools/*/crictl 2>/dev/null | head -1 || true)}

W=$(mktemp -d /tmp/berthd-footprint.XXXXXX)
BRIDGE=bfp$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
SUBNET=""
for third in $(shuf -i 1-254 -n 50); do
  ip -4 route show table all | grep -qF "10.253.$third." || { SUBNET=10.253.$third.0/24; break; }
done
[ -n "$SUBNET" ] || { echo "berthd-footprint: no free /24 in 10.253.0.0/16" >&2; exit 1; }
PID=""

stop_pid() {
  local pid=$1 grace=$2 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

cleanup() {
  local rc=$? p
  set +e
  trap - EXIT INT TERM
  [ -n "$PID" ] && stop_pid "$PID" 30
  # Anything else started under our temp dir (a warm spare shim), by pid.
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$W" && stop_pid "$p" 5
  done
  awk -v d="$W" 'index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" 2>/dev/null
  nft delete table inet "berth_$BRIDGE" 2>/dev/null
  rm -rf --one-file-system "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$W/config.toml" <<EOF
[network]
bridge = "$BRIDGE"
subnet = "$SUBNET"
EOF
OPTS=${BERTH_JAVA_OPTS:-}
[ -n "$NMT" ] && OPTS="$OPTS -XX:NativeMemoryTracking=summary"
BERTH_JAVA=$JAVA BERTH_JAVA_OPTS=$OPTS "$DIST/bin/berthd" --config "$W/config.toml" --root "$W/root" \
  --state "$W/state" --socket "$W/berth.sock" >"$W/berthd.log" 2>&1 </dev/null &
PID=$!   # the launcher execs java: this is the JVM's pid

printf 'runtime-endpoint: unix://%s/berth.sock\nimage-endpoint: unix://%s/berth.sock\ntimeout: 10\n' "$W" "$W" \
  >"$W/crictl.yaml"
crictl() { "$CRICTL" --config "$W/crictl.yaml" "$@"; }
ready=""
for ((i = 0; i < 600; i++)); do
  kill -0 "$PID" 2>/dev/null || { cat "$W/berthd.log" >&2; echo "berthd-footprint: berthd exited" >&2; exit 1; }
  if [ -S "$W/berth.sock" ] && { [ -z "$CRICTL" ] || crictl version >/dev/null 2>&1; }; then
    ready=$((i / 10)).$((i % 10)); break
  fi
  sleep 0.1
done
[ -n "$ready" ] || { cat "$W/berthd.log" >&2; echo "berthd-footprint: no answer within 60 s" >&2; exit 1; }
echo "berthd pid $PID serving after ${ready} s (JVM flags: $(tr '\0' ' ' </proc/$PID/cmdline | sed 's/ -cp .*//'))"
if [ -n "$CRICTL" ] && [ "$CALLS" -gt 0 ]; then
  for ((i = 0; i < CALLS; i++)); do
    for c in version info pods ps images imagefsinfo; do crictl $c >/dev/null; done
    crictl ps -a >/dev/null
  done
  echo "made $CALLS rounds of Version, Status, ListPodSandbox, ListContainers, ListImages, ImageFsInfo"
else
  echo "no CRI calls (no crictl: set CRICTL, or --calls 0 was given)"
fi
sleep "$SETTLE"

echo "== memory (kB), before attaching jcmd"
grep -E '^(Rss|Pss|Pss_Anon|Pss_File|Pss_Shmem|Anonymous):' "/proc/$PID/smaps_rollup"
echo "== threads: $(ls "/proc/$PID/task" | wc -l) (before attaching jcmd)"
"$JCMD" "$PID" Thread.print 2>/dev/null | grep '^"' | sed -E 's/^"([^"]*)".*/\1/; s/[0-9]+$/N/' \
  | sort | uniq -c | sort -rn
if [ -n "$NMT" ]; then
  echo "== NMT summary (committed)"
  "$JCMD" "$PID" VM.native_memory summary scale=KB \
    | grep -E '^(Total|-  *[A-Za-z ]+ \(reserved)' | sed -E 's/^-? *//; s/ *\(reserved=[0-9]+KB, committed=([0-9]+)KB\)/: \1 KB committed/' \
    | sort -t: -k2 -rn
fi
echo "== heap after a full GC"
"$JCMD" "$PID" GC.run >/dev/null
"$JCMD" "$PID" GC.heap_info | sed -n '2,$p'
echo "== PSS after the GC: $(awk '/^Pss:/ { print $2 }' "/proc/$PID/smaps_rollup") kB"
