package io.berth.e2e.reliability;

import io.grpc.Status;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outcome of every call made during a load run, by RPC and status code. A failure is expected only where a
 * caller racing the pod churn asks about a pod or container by an id it listed a moment before: NOT_FOUND then
 * says the object is gone, which is what kubelet sees and handles. Every other failure is a fault.
 */
final class LoadTally {
    /** The RPCs that name a pod or container by id, and so may ask about one the churn just removed. */
    private static final Set<String> BY_ID = Set.of("PodSandboxStatus", "ContainerStatus", "ContainerStats",
            "PodSandboxStats");

    private final Map<String, LongAdder> ok = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> expected = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();
    private final Map<String, String> firstUnexpected = new ConcurrentHashMap<>();

    void succeeded(String rpc) {
        ok.computeIfAbsent(rpc, k -> new LongAdder()).increment();
    }

    /** {@code aboutChurn}: the call named an object of the pod churn, which may be gone by now. */
    void failed(String rpc, Throwable failure, boolean aboutChurn) {
        Status status = Status.fromThrowable(failure);
        String key = rpc + " " + status.getCode();
        if (aboutChurn && BY_ID.contains(rpc) && status.getCode() == Status.Code.NOT_FOUND) {
            expected.computeIfAbsent(key, k -> new LongAdder()).increment();
            return;
        }
        unexpected.computeIfAbsent(key, k -> new LongAdder()).increment();
        firstUnexpected.putIfAbsent(key, String.valueOf(status.getDescription()));
    }

    long calls() {
        return sum(ok) + sum(expected) + sum(unexpected);
    }

    /** Unexpected failures by RPC and code, each with the message of the first one. */
    Map<String, String> unexpected() {
        Map<String, String> out = new TreeMap<>();
        unexpected.forEach((key, count) -> out.put(key + " x" + count.sum(), firstUnexpected.get(key)));
        return out;
    }

    String summary() {
        return calls() + " calls: " + new TreeMap<>(counts(ok)) + " ok; expected failures " + counts(expected)
                + "; unexpected " + counts(unexpected);
    }

    private static Map<String, Long> counts(Map<String, LongAdder> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private static long sum(Map<String, LongAdder> map) {
        return map.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
