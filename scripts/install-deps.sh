#!/bin/sh
# Installs everything berth needs to build, run and test on Debian 12. Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Build: a JDK and Maven. Run: the OCI runtimes and the network tools berth drives.
# Test: a real registry, busybox for test images, real CNI plugins and containerd as the reference runtime.
apt-get install -y -q --no-install-recommends \
  openjdk-17-jdk-headless maven \
  runc crun catatonit iproute2 nftables iptables \
  docker-registry apache2-utils busybox-static zstd \
  containernetworking-plugins containerd
