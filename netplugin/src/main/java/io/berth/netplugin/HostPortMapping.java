package io.berth.netplugin;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.netplugin.ip.Cidr;
import java.net.InetAddress;
import java.util.Locale;

/**
 * One hostPort: traffic to {@code hostIp:hostPort} (any local address when hostIp is empty) goes to the
 * pod's {@code containerPort}. Built only through {@link #of}, which treats every field as hostile.
 */
public record HostPortMapping(Protocol protocol, int containerPort, int hostPort, String hostIp) {
    public enum Protocol {
        TCP, UDP, SCTP;

        public String lower() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Validates one mapping as a pod config gives it; {@code field} names it in errors. An empty or
     * unspecified ("0.0.0.0", "::") host IP means every local address of that family.
     */
    public static HostPortMapping of(String protocol, int containerPort, int hostPort, String hostIp, String field) {
        Protocol p;
        try {
            p = Protocol.valueOf(protocol.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(field + ".protocol '" + Require.printable(protocol)
                    + "' is not TCP, UDP or SCTP");
        }
        checkPort(containerPort, field + ".container_port");
        checkPort(hostPort, field + ".host_port");
        String ip = hostIp == null ? "" : hostIp.trim();
        if (!ip.isEmpty()) {
            InetAddress address = Cidr.parseAddress(ip, field + ".host_ip");
            ip = address.isAnyLocalAddress() ? "" : address.getHostAddress();
        }
        return new HostPortMapping(p, containerPort, hostPort, ip);
    }

    public boolean anyHostIp() {
        return hostIp.isEmpty();
    }

    public boolean hostIpIsV6() {
        return hostIp.contains(":");
    }

    /** Whether both mappings would catch the same packets. */
    public boolean clashesWith(HostPortMapping other) {
        return protocol == other.protocol && hostPort == other.hostPort
                && (anyHostIp() || other.anyHostIp() || hostIp.equals(other.hostIp));
    }

    @Override
    public String toString() {
        return (anyHostIp() ? "*" : hostIp) + ":" + hostPort + "/" + protocol.lower() + " -> " + containerPort;
    }

    private static void checkPort(int port, String field) {
        if (port < 1 || port > 65535) {
            throw new InvalidArgumentException(field + " " + port + " is not a port number (1-65535)");
        }
    }
}
