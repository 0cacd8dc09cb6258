#!/bin/sh
# Installs berthd on this machine (or into a staging root): runtime packages, the build, the files, the unit.
# Run as root from anywhere; see --help. Everything it creates is listed in a manifest that uninstall.sh reads.
set -eu

usage() {
    cat <<'EOF'
Usage: scripts/install.sh [--no-deps] [--no-build] [--help]

Installs berth from this checkout:
  1. the Debian packages berthd needs at run time (the [run] section of scripts/debian-packages.txt:
     a JRE 17, runc, catatonit, iproute2, nftables, the CNI plugins, ...) with apt-get, and when it
     builds, the [build] section too (a JDK 17 and Maven);
  2. builds the daemon: mvn -B -q -DskipTests package;
  3. copies it:
       $PREFIX/lib/berth/                          the jars and the shim's class-data archive
       $PREFIX/bin/berthd, $PREFIX/bin/berthctl    the launchers
       $PREFIX/lib/systemd/system/berth.service    the unit, its ExecStart pointed at $PREFIX/bin/berthd
       $PREFIX/share/berth/seccomp/default.json    the seccomp profile berthd applies for RuntimeDefault
       $SYSCONFDIR/berth/config.toml               only if there is none yet; an existing one is kept
     and lists every file and directory it created in $PREFIX/lib/berth/install-manifest.
Installing again upgrades in place: files of the previous install that the new one lacks are removed.

Options:
  --no-deps    do not install packages (crun and criu are optional extras either way: apt-get install crun criu)
  --no-build   install the dist already built in cri-server/target/berthd
  --help       this text

Environment:
  PREFIX       where berth goes (default /usr/local)
  SYSCONFDIR   where its config goes (default /etc)
  DESTDIR      a staging root prepended to every path written (default empty: this machine)

Then, on a machine with systemd: systemctl daemon-reload && systemctl enable --now berth
EOF
}

say() {
    echo "install: $*"
}

fail() {
    echo "install: $*" >&2
    exit 1
}

deps=yes
build=yes
for arg in "$@"; do
    case $arg in
        --no-deps) deps=no ;;
        --no-build) build=no ;;
        --help | -h) usage; exit 0 ;;
        *) echo "install: unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
DESTDIR=${DESTDIR:-}
# Both end up in the unit's ExecStart line, where a space or a quote would change its meaning.
for dir in "$PREFIX" "$SYSCONFDIR"; do
    case $dir in
        /*[!A-Za-z0-9._/+-]* | [!/]*)
            fail "PREFIX and SYSCONFDIR must be absolute paths of letters, digits and ._/+- : $dir" ;;
    esac
done
PREFIX=${PREFIX%/}
SYSCONFDIR=${SYSCONFDIR%/}

repo=$(cd "$(dirname "$0")/.." && pwd)
dist=$repo/cri-server/target/berthd
libdir=$PREFIX/lib/berth
manifest=$libdir/install-manifest
config=$SYSCONFDIR/berth/config.toml
umask 022

if [ "$deps" = yes ]; then
    [ "$(id -u)" -eq 0 ] || fail "installing packages needs root; run as root, or pass --no-deps"
    # A build needs the [build] section (a JDK and Maven) on top of what berthd needs to run.
    sections='run'
    if [ "$build" = yes ]; then
        sections='build run'
    fi
    packages=
    for section in $sections; do
        packages="$packages $(sed -n "/^# \\[$section\\]/,/^# \\[/{/^#/d;/^\$/d;p;}" "$repo/scripts/debian-packages.txt")"
    done
    # shellcheck disable=SC2086 # one package name per word, none with spaces
    set -- $packages
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
fi

if [ "$build" = yes ]; then
    say "mvn -B -q -DskipTests package (in $repo)"
    (cd "$repo" && mvn -B -q -DskipTests package)
fi
[ -x "$dist/bin/berthd" ] || fail "no built dist in $dist; run without --no-build"

# What this run creates, one "kind path" line each, kept beside the previous install's manifest until the end.
work=$(mktemp -d)
created=$work/created
: >"$created"
# A run that fails part way still lists what it created, beside everything the previous install listed, so
# that uninstall.sh can remove all of it.
on_exit() {
    status=$?
    if [ "$status" -ne 0 ] && [ -s "$created" ]; then
        write_manifest partial
    fi
    rm -rf "$work"
    exit "$status"
}
trap on_exit EXIT
trap 'exit 1' HUP INT PIPE TERM

# Parents first, each one that does not exist yet recorded, so that uninstall removes exactly those.
make_dir() {
    case $1 in
        / | '') return ;;
    esac
    make_dir "$(dirname "$1")"
    if [ ! -d "$DESTDIR$1" ]; then
        mkdir -m 0755 "$DESTDIR$1"
        echo "dir $1" >>"$created"
    fi
}

# install(1) removes the old file before it writes the new one: a running berthd keeps reading the jars it
# opened instead of seeing them change under it. -p keeps the build's timestamps.
put_file() {
    install -p -m "$3" "$1" "$DESTDIR$2"
    echo "file $2" >>"$created"
}

# The manifest: this run's files, every directory an install created (this one or an earlier one), and the
# config entry of whichever install wrote the config; after a failed run ("partial"), the previous files too.
write_manifest() {
    kept='dir|config'
    if [ "$1" = partial ]; then
        kept='dir|config|file'
    fi
    # A config this run wrote (the earlier one was removed since) replaces the earlier entry.
    if grep -q '^config ' "$created"; then
        kept=$(echo "$kept" | sed 's/config|//')
    fi
    kept="^($kept) "
    {
        echo "# Written by scripts/install.sh: what it created; scripts/uninstall.sh removes exactly these."
        if [ -f "$work/previous" ]; then
            grep -E "$kept" "$work/previous" || true
        fi
        cat "$created"
        echo "file $manifest"
    } | awk '!seen[$0]++' >"$work/manifest"
    make_dir "$libdir"
    install -m 0644 "$work/manifest" "$DESTDIR$manifest"
}

if [ -f "$DESTDIR$manifest" ]; then
    cp "$DESTDIR$manifest" "$work/previous"
fi
if [ -n "$DESTDIR" ]; then
    mkdir -p "$DESTDIR"
fi

make_dir "$libdir"
count=0
for jar in "$dist"/lib/*.jar; do
    put_file "$jar" "$libdir/$(basename "$jar")" 0644
    count=$((count + 1))
done
say "copied $count jars from $dist/lib to $DESTDIR$libdir/"
# JNA's native library as a file, at the path bin/berthd looks for it (the same as in the dist and in the jar).
for so in "$dist"/lib/jna/com/sun/jna/*/libjnidispatch.so; do
    [ -f "$so" ] || continue
    platform=$(basename "$(dirname "$so")")
    make_dir "$libdir/jna/com/sun/jna/$platform"
    put_file "$so" "$libdir/jna/com/sun/jna/$platform/libjnidispatch.so" 0644
done

# The shim hosts map their classes from a class-data archive instead of loading them (README, "The shim
# host"). JDK 17 accepts an archive only for the exact classpath it was made with, so the build's, made for
# the dist's paths, is no use here: this makes one for the installed jars, by the same training run and with
# the same flags as cri-server/pom.xml. Under DESTDIR the jars are not at their final paths yet, so a staged
# install has none. Neither is fatal: without an archive a host only starts slower and takes more memory.
if [ -z "$DESTDIR" ]; then
    if "${BERTH_JAVA:-java}" -XX:ArchiveClassesAtExit="$work/berth-shim.jsa" -Xmx32m -XX:+UseSerialGC \
        -XX:TieredStopAtLevel=1 -cp "$libdir/*" io.berth.shim.ShimMain --train "$work/shim-training" \
        >"$work/archive.log" 2>&1; then
        put_file "$work/berth-shim.jsa" "$libdir/berth-shim.jsa" 0644
        say "made the shim's class-data archive for these paths: $libdir/berth-shim.jsa"
    else
        tail -n 5 "$work/archive.log" >&2
        say "could not make the shim's class-data archive (above); shim hosts will start without one"
    fi
    # berthd's own archive, the same way (cri-server/pom.xml): its classes, lambdas and method-handle forms from
    # the dist's class list (the export lets the training run record the forms).
    if "${BERTH_JAVA:-java}" -XX:ArchiveClassesAtExit="$work/berthd.jsa" -Xmx64m -XX:+UseSerialGC \
        --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
        -cp "$libdir/*" io.berth.server.ClassListTraining "$dist/lib/berthd.classlist" \
        >"$work/berthd-archive.log" 2>&1; then
        put_file "$work/berthd.jsa" "$libdir/berthd.jsa" 0644
        say "made berthd's class-data archive for these paths: $libdir/berthd.jsa"
    else
        tail -n 5 "$work/berthd-archive.log" >&2
        say "could not make berthd's class-data archive (above); berthd will start without one"
    fi
else
    say "no class-data archives under DESTDIR; install without DESTDIR to have them made"
fi

make_dir "$PREFIX/bin"
# The dist's launchers find their jars in lib/berth/ when installed, in lib/ in the dist.
for launcher in berthd berthctl; do
    if [ -f "$dist/bin/$launcher" ]; then
        put_file "$dist/bin/$launcher" "$PREFIX/bin/$launcher" 0755
        say "$DESTDIR$PREFIX/bin/$launcher"
    fi
done

unitdir=$PREFIX/lib/systemd/system
make_dir "$unitdir"
shipped="ExecStart=/usr/local/bin/berthd --config /etc/berth/config.toml"
execstart="ExecStart=$PREFIX/bin/berthd --config $config"
awk -v shipped="$shipped" -v execstart="$execstart" '$0 == shipped { $0 = execstart } { print }' \
    "$dist/systemd/berth.service" >"$work/berth.service"
grep -qxF "$execstart" "$work/berth.service" \
    || fail "$dist/systemd/berth.service has no line '$shipped' to point at this PREFIX"
put_file "$work/berth.service" "$unitdir/berth.service" 0644
say "$DESTDIR$unitdir/berth.service ($execstart)"

make_dir "$PREFIX/share/berth/seccomp"
put_file "$dist/seccomp/default.json" "$PREFIX/share/berth/seccomp/default.json" 0644
say "$DESTDIR$PREFIX/share/berth/seccomp/default.json"

if [ -e "$DESTDIR$config" ]; then
    say "kept $DESTDIR$config (it exists)"
else
    make_dir "$(dirname "$config")"
    # A berthd without the subcommand refuses the arguments; the timeout is for one that would start serving.
    if timeout 60 "$dist/bin/berthd" config default >"$work/config.toml" 2>/dev/null && [ -s "$work/config.toml" ]
    then
        origin="berthd config default"
    else
        origin="a commented file: this berthd has no 'config default'"
        cat >"$work/config.toml" <<'EOF'
# berthd's configuration (TOML). Every key has a default, so an empty file is a complete configuration;
# the keys, their defaults and their meaning are in berth's README, "Configuration reference". For example:
#
# log_level = "info"
# cgroup_driver = "systemd"   # must match kubelet's --cgroup-driver
EOF
    fi
    install -m 0644 "$work/config.toml" "$DESTDIR$config"
    # Its checksum, so that uninstall removes it only while it is still exactly what was installed.
    echo "config $(sha256sum <"$DESTDIR$config" | cut -d' ' -f1) $config" >>"$created"
    say "$DESTDIR$config ($origin)"
fi

# Files the previous install had and this one does not (a jar of an older version), which would otherwise
# stay on the classpath beside their successors.
if [ -f "$work/previous" ]; then
    sed -n 's/^file //p' "$work/previous" | while IFS= read -r old; do
        if ! grep -qxF "file $old" "$created" && [ "$old" != "$manifest" ]; then
            rm -f "$DESTDIR$old"
            say "removed $DESTDIR$old (not part of this version)"
        fi
    done
fi

write_manifest complete
say "$DESTDIR$manifest"

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    say "systemctl daemon-reload"
    case $PREFIX in
        /usr | /usr/local) ;;
        *) say "systemd does not look in $unitdir: systemctl link $unitdir/berth.service" ;;
    esac
    say "start it: systemctl enable --now berth (after an upgrade: systemctl restart berth)"
fi
