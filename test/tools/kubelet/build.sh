#!/bin/sh
# Builds kubelet (k8s.io/kubernetes/cmd/kubelet) from the version pinned in go.mod/go.sum beside this script, with
# the Go toolchain and the Go module proxy. k8s.io/kubernetes replaces its k8s.io/* staging modules with local
# ./staging paths, so go.mod here pins each of them to the matching published v0.x release. kubelet is a test tool
# only: nothing of it goes into berth. The binary is cached per pin (a hash of go.mod, go.sum and this script), so
# a build happens once per machine and again only when the pin changes. Prints the path of the binary.
#
#   test/tools/kubelet/build.sh    # -> ~/.cache/berth/tools/kubelet-<pin>/kubelet
#   BERTH_TOOLS_CACHE=/some/dir test/tools/kubelet/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
base=${BERTH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/tools}
out=$base/kubelet-$pin
mkdir -p "$base"
# Two test classes (or two checkouts) may ask at once: one builds, the other waits for it.
exec 9>"$base/.lock"
flock 9
if [ ! -x "$out/kubelet" ]; then
    command -v go >/dev/null || { echo "build.sh: no 'go' on PATH; the Go toolchain builds kubelet" >&2; exit 1; }
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp"
    cd "$here"
    # Stamp the version as Kubernetes' own build does (hack/lib/version.sh), or kubelet reports v0.0.0-master.
    version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
    major=$(echo "$version" | sed 's/^v\([0-9]*\)\..*/\1/')
    minor=$(echo "$version" | sed 's/^v[0-9]*\.\([0-9]*\)\..*/\1/')
    v=k8s.io/component-base/version
    go build -trimpath -ldflags "-X $v.gitVersion=$version -X $v.gitMajor=$major -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
        -o "$out.tmp/kubelet" k8s.io/kubernetes/cmd/kubelet >&2
    rm -rf "$out"
    mv "$out.tmp" "$out"
fi
echo "$out/kubelet"
