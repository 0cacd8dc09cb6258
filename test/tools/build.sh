#!/bin/sh
# Builds the ecosystem's own CRI clients, crictl and critest, from the versions pinned in go.mod/go.sum beside
# this script, with the Go toolchain and the Go module proxy. They are test tools only: nothing of them goes into
# berth. The binaries are cached per pin (a hash of go.mod, go.sum and this script), so a build happens once per
# machine and again only when the pin changes. Prints the directory that holds them.
#
#   test/tools/build.sh            # -> ~/.cache/berth/tools/<pin>/{crictl,critest}
#   BERTH_TOOLS_CACHE=/some/dir test/tools/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
base=${BERTH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/tools}
out=$base/$pin
mkdir -p "$base"
# Two test classes (or two checkouts) may ask at once: one builds, the other waits for it.
exec 9>"$base/.lock-cri-tools"
flock 9
if [ ! -x "$out/crictl" ] || [ ! -x "$out/critest" ]; then
    command -v go >/dev/null || { echo "build.sh: no 'go' on PATH; the Go toolchain builds crictl and critest" >&2; exit 1; }
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp"
    cd "$here"
    go build -trimpath -o "$out.tmp/crictl" sigs.k8s.io/cri-tools/cmd/crictl >&2
    # critest is cri-tools' Ginkgo suite: a test binary of package cmd/critest.
    go test -c -trimpath -o "$out.tmp/critest" sigs.k8s.io/cri-tools/cmd/critest >&2
    rm -rf "$out"
    mv "$out.tmp" "$out"
fi
echo "$out"
