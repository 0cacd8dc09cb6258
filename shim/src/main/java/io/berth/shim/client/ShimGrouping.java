package io.berth.shim.client;

import io.berth.shim.api.ShimConfig;
import java.util.Locale;

/**
 * Which containers share a shim host ({@code [shim] group} in the config). One JVM costs 20-30 MiB
 * however little it does, so the fewer hosts the leaner the node; the more hosts, the less one host's
 * crash touches. A crash kills no container either way, but the host that adopts a dead host's containers
 * is not their parent: when they exit later, their exit codes are unknown.
 */
public enum ShimGrouping {
    /** One host for every container of the node, started with berthd: no JVM boot when a pod starts. */
    NODE,
    /** One host per pod, as containerd groups its shims. */
    POD,
    /** One host per container: the most isolation, the most memory. */
    CONTAINER;

    /** The group of the node-wide host. */
    public static final String NODE_GROUP = "node";
    /** Group names are dir names under the hosts dir, which sockets sit in: kept short for the 108-byte limit. */
    private static final int ID_CHARS = 12;

    /** {@code node}, {@code pod} or {@code container}; anything else is a config error the message names. */
    public static ShimGrouping parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[shim] group must be node, pod or container, not '" + value + "'", e);
        }
    }

    String groupOf(ShimConfig config) {
        switch (this) {
            case POD:
                return "pod-" + shortId(config.getSandboxId().isEmpty() ? config.getId() : config.getSandboxId());
            case CONTAINER:
                return "ctr-" + shortId(config.getId());
            default:
                return NODE_GROUP;
        }
    }

    private static String shortId(String id) {
        String safe = id.replaceAll("[^A-Za-z0-9_.-]", "_");
        return safe.substring(0, Math.min(ID_CHARS, safe.length()));
    }
}
