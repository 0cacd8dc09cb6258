#!/bin/sh
# Shim start latency (cold without/with the class-data archive, warm spare) and idle shim PSS.
# Run as root from the repo root after: mvn -B -q -DskipTests package  (builds the dist and the test classes)
set -eu
lib=cri-server/target/berthd/lib
exec java -cp "$lib/*:shim/target/test-classes" io.berth.shim.ShimStartBenchmark "${1:-10}"
