package io.berth.netplugin.bridge;

import java.util.List;

/**
 * What set-up did for one pod, written before each step so tear-down can undo it after a crash.
 *
 * @param ips addresses with prefix length ("10.88.0.5/16"), primary first; empty until allocated
 * @param portMappings "protocol:containerPort:hostPort:hostIp" for each mapping
 * @param complete false while set-up runs; a record left incomplete is a crashed set-up
 */
public record BridgePodRecord(String podId, String hostVeth, String netns, List<String> ips,
        List<String> portMappings, boolean complete) {
    public BridgePodRecord {
        ips = ips == null ? List.of() : List.copyOf(ips);
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    }

    BridgePodRecord withIps(List<String> newIps) {
        return new BridgePodRecord(podId, hostVeth, netns, newIps, portMappings, complete);
    }

    BridgePodRecord completed() {
        return new BridgePodRecord(podId, hostVeth, netns, ips, portMappings, true);
    }
}
