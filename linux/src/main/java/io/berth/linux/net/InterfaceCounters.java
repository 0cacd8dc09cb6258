package io.berth.linux.net;

/** The traffic counters of one network interface since it was created. */
public record InterfaceCounters(
        String name,
        long rxBytes,
        long rxPackets,
        long rxErrors,
        long rxDropped,
        long txBytes,
        long txPackets,
        long txErrors,
        long txDropped) {}
