package io.berth.netplugin;

import java.util.List;

/** What set-up gave the pod: its addresses (no prefix length), primary first. */
public record PodAttachment(List<String> ips) {
    public PodAttachment {
        ips = List.copyOf(ips);
    }
}
