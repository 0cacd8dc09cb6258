#!/bin/sh
# Removes what scripts/install.sh installed, exactly as its manifest lists it. See --help.
set -eu

usage() {
    cat <<'EOF'
Usage: scripts/uninstall.sh [--help]

Removes what scripts/install.sh installed, and nothing else: the files listed in
$PREFIX/lib/berth/install-manifest, then the directories it lists, those that are empty by then.

$SYSCONFDIR/berth/config.toml is removed only if install.sh wrote it and it is still byte for byte what
install.sh wrote; a config someone changed, or one that was there before, is kept.

berth's data is never touched: images, snapshots and records in /var/lib/berth, and the state of running
pods in /run/berth. Stop berth and its pods first, and remove those yourself if you want them gone.
Packages installed by install.sh (runc, a JRE, ...) stay too: other programs may use them.

Environment (as for install.sh):
  PREFIX       where berth was installed (default /usr/local)
  DESTDIR      the staging root it was installed into (default empty: this machine)
The manifest names the config install.sh wrote, wherever its SYSCONFDIR put it.
EOF
}

say() {
    echo "uninstall: $*"
}

fail() {
    echo "uninstall: $*" >&2
    exit 1
}

for arg in "$@"; do
    case $arg in
        --help | -h) usage; exit 0 ;;
        *) echo "uninstall: unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

PREFIX=${PREFIX:-/usr/local}
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR:-}
manifest=$PREFIX/lib/berth/install-manifest

[ -f "$DESTDIR$manifest" ] || fail "no $DESTDIR$manifest: nothing installed by install.sh with this PREFIX and DESTDIR"
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && systemctl is-active --quiet berth 2>/dev/null; then
    fail "berth.service is running; stop it first: systemctl disable --now berth"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Read whole before anything goes: the manifest is one of the files it lists.
cp "$DESTDIR$manifest" "$work/manifest"

# Whatever the manifest says: only absolute paths without "..", and never berth's data.
plain_path() {
    case $1 in
        /var/lib/berth | /var/lib/berth/* | /run/berth | /run/berth/*) false ;;
        */../* | */.. | [!/]*) false ;;
        *) true ;;
    esac
}

# The paths of one kind of manifest line ("file PATH", "dir PATH", "config SHA256 PATH").
listed() {
    sed -n "s/^$1 //p" "$work/manifest" | while IFS= read -r line; do
        path=${line#* }
        [ "$1" = config ] || path=$line
        if plain_path "$path"; then
            printf '%s\n' "$line"
        else
            echo "uninstall: skipped the manifest line '$1 $line'" >&2
        fi
    done
}

listed file >"$work/files"
while IFS= read -r path; do
    if [ -e "$DESTDIR$path" ] || [ -L "$DESTDIR$path" ]; then
        rm -f "$DESTDIR$path"
        say "removed $DESTDIR$path"
    fi
done <"$work/files"

listed config >"$work/configs"
while IFS=' ' read -r sum path; do
    if [ ! -f "$DESTDIR$path" ]; then
        continue
    elif [ "$(sha256sum <"$DESTDIR$path" | cut -d' ' -f1)" = "$sum" ]; then
        rm -f "$DESTDIR$path"
        say "removed $DESTDIR$path (as installed)"
    else
        say "kept $DESTDIR$path (changed since install.sh wrote it)"
    fi
done <"$work/configs"

# Deepest first; a directory that holds anything the install did not put there stays.
listed dir | sort -r >"$work/dirs"
while IFS= read -r path; do
    if [ -d "$DESTDIR$path" ]; then
        if rmdir "$DESTDIR$path" 2>/dev/null; then
            say "removed $DESTDIR$path/"
        else
            say "kept $DESTDIR$path/ (not empty)"
        fi
    fi
done <"$work/dirs"

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    say "systemctl daemon-reload"
fi
say "left berth's data alone: /var/lib/berth (images, snapshots, records) and /run/berth (running pods)"
