#!/bin/sh
# Builds kubeletstream, a SPDY client for kubelet's /exec, /attach and /portForward made of client-go's own
# remotecommand and portforward packages (main.go beside this script), from the versions pinned in go.mod/go.sum,
# with the Go toolchain and the Go module proxy. It is a test tool only: nothing of it goes into berth. The binary
# is cached per pin (a hash of go.mod, go.sum, main.go and this script), so a build happens once per machine and
# again only when the pin changes. Prints the path of the binary.
#
#   test/tools/kubeletstream/build.sh    # -> ~/.cache/berth/tools/kubeletstream-<pin>/kubeletstream
#   BERTH_TOOLS_CACHE=/some/dir test/tools/kubeletstream/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" "$here/build.sh" | sha256sum | cut -c1-16)
base=${BERTH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/tools}
out=$base/kubeletstream-$pin
mkdir -p "$base"
# Two test classes (or two checkouts) may ask at once: one builds, the other waits for it.
exec 9>"$base/.lock-kubeletstream"
flock 9
if [ ! -x "$out/kubeletstream" ]; then
    command -v go >/dev/null || { echo "build.sh: no 'go' on PATH; the Go toolchain builds kubeletstream" >&2; exit 1; }
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp"
    cd "$here"
    go build -trimpath -o "$out.tmp/kubeletstream" . >&2
    rm -rf "$out"
    mv "$out.tmp" "$out"
fi
echo "$out/kubeletstream"
