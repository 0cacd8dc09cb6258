package io.berth.netplugin;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.InvalidArgumentException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * Refuses a hostPort another pod maps, or a host process listens on: DNAT would silently steal that
 * process's traffic otherwise. The bind probe is released at once; kubelet does the same kind of check.
 */
public final class HostPorts {
    private HostPorts() {}

    /** {@code others}: the port mappings of every other pod, by pod id. */
    public static void checkFree(String podId, List<HostPortMapping> wanted, Map<String, List<HostPortMapping>> others)
            throws IOException {
        for (int i = 0; i < wanted.size(); i++) {
            HostPortMapping m = wanted.get(i);
            for (int j = 0; j < i; j++) {
                if (m.clashesWith(wanted.get(j))) {
                    throw new AlreadyExistsException("port_mappings[" + i + "] " + m + " repeats host port "
                            + m.hostPort() + " of port_mappings[" + j + "]");
                }
            }
            for (Map.Entry<String, List<HostPortMapping>> other : others.entrySet()) {
                if (other.getKey().equals(podId)) {
                    continue;
                }
                for (HostPortMapping theirs : other.getValue()) {
                    if (m.clashesWith(theirs)) {
                        throw new AlreadyExistsException("host port " + m.hostPort() + "/" + m.protocol().lower()
                                + " is already taken by pod sandbox " + other.getKey() + " (" + theirs + ")");
                    }
                }
            }
            probe(m);
        }
    }

    private static void probe(HostPortMapping m) throws IOException {
        if (m.protocol() == HostPortMapping.Protocol.SCTP) {
            return; // the JDK has no SCTP socket on every host; the pod-level check above still applies
        }
        InetAddress bindTo = m.anyHostIp() ? InetAddress.getByAddress(new byte[4]) : InetAddress.getByName(m.hostIp());
        InetSocketAddress address = new InetSocketAddress(bindTo, m.hostPort());
        try {
            if (m.protocol() == HostPortMapping.Protocol.TCP) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(address);
                }
            } else {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(address);
                }
            }
        } catch (BindException e) {
            if (String.valueOf(e.getMessage()).contains("assign requested address")) {
                throw new InvalidArgumentException("host_ip " + m.hostIp() + " of " + m
                        + " is not an address of this host");
            }
            throw new AlreadyExistsException("host port " + m.hostPort() + "/" + m.protocol().lower() + " on "
                    + (m.anyHostIp() ? "all addresses" : m.hostIp()) + " is already in use on this host: "
                    + e.getMessage());
        }
    }
}
