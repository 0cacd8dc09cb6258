#!/bin/sh
# Installs everything berth needs to build, run and test on Debian 12 (scripts/debian-packages.txt). Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $(grep -v '^#' "$(dirname "$0")/debian-packages.txt")
