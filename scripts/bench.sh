#!/bin/sh
# berth's benchmark (run by hand, as root, from anywhere): packages berthd, starts it with 50 running busybox
# containers and prints CreateContainer and ListContainerStats latencies and the shims' PSS. Speed targets are
# checked against these numbers, not by timed tests; `mvn verify` does not run it.
set -eu
cd "$(dirname "$0")/.."
mvn -B -q -pl test/e2e -am verify -Dtest='io/berth/e2e/stats/StatsBenchmark' -Dsurefire.failIfNoSpecifiedTests=false
echo "==== test/e2e/target/bench/stats.txt ===="
cat test/e2e/target/bench/stats.txt
