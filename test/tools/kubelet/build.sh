#!/bin/sh
# Builds kubelet and, for the scenarios that need a control plane, kube-apiserver (both from k8s.io/kubernetes) and
# etcd (go.etcd.io/etcd/server/v3, the version k8s.io/kubernetes requires), from the versions pinned in
# go.mod/go.sum beside this script, with the Go toolchain and the Go module proxy. k8s.io/kubernetes replaces its
# k8s.io/* staging modules with local ./staging paths, so go.mod here pins each of them to the matching published
# v0.x release. These are test tools only: nothing of them goes into berth. The binaries are cached per pin (a hash
# of go.mod, go.sum and this script), so a build happens once per machine and again only when the pin changes.
# One `go build` compiles all three, so the packages they share are compiled once. Prints the directory holding
# kubelet, kube-apiserver and etcd.
#
#   test/tools/kubelet/build.sh    # -> ~/.cache/berth/tools/kubelet-<pin>
#   BERTH_TOOLS_CACHE=/some/dir test/tools/kubelet/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)
base=${BERTH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth/tools}
out=$base/kubelet-$pin
mkdir -p "$base"
# Two test classes (or two checkouts) may ask at once: one builds, the other waits for it.
exec 9>"$base/.lock-kubelet"
flock 9
if [ ! -x "$out/kubelet" ] || [ ! -x "$out/kube-apiserver" ] || [ ! -x "$out/etcd" ]; then
    command -v go >/dev/null || { echo "build.sh: no 'go' on PATH; the Go toolchain builds kubelet" >&2; exit 1; }
    rm -rf "$out.tmp"
    mkdir -p "$out.tmp"
    cd "$here"
    # Stamp the version as Kubernetes' own build does (hack/lib/version.sh), or kubelet and kube-apiserver report
    # v0.0.0-master (and kube-apiserver would take that for its binary version).
    version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
    major=$(echo "$version" | sed 's/^v\([0-9]*\)\..*/\1/')
    minor=$(echo "$version" | sed 's/^v[0-9]*\.\([0-9]*\)\..*/\1/')
    v=k8s.io/component-base/version
    go build -trimpath -ldflags "-X $v.gitVersion=$version -X $v.gitMajor=$major -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
        -o "$out.tmp/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3 >&2
    # etcd's main package is the root of its server module, which go names after the path without /v3.
    mv "$out.tmp/server" "$out.tmp/etcd"
    rm -rf "$out"
    mv "$out.tmp" "$out"
fi
echo "$out"
