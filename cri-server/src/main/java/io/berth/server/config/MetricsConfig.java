package io.berth.server.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The {@code [metrics]} section: whether berthd serves {@code /metrics}, and where.
 *
 * <p>Off by default, as in containerd (empty {@code metrics.address}) and CRI-O ({@code enable_metrics =
 * false}): a fixed default port would make two daemons side by side on one node (tests, upgrades) collide.
 * Giving an address turns them on, as in containerd, unless {@code enabled = false} says otherwise.
 */
public record MetricsConfig(boolean enabled, InetSocketAddress address) {
    public static final String DEFAULT_ADDRESS = "127.0.0.1:9180";
    public static final MetricsConfig DEFAULT = new MetricsConfig(false, parseAddress(DEFAULT_ADDRESS));

    /**
     * {@code host:port} or {@code [v6]:port}; the host is an IP literal or {@code localhost}, so that reading the
     * config never waits on DNS and the bound address is the one written.
     */
    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException("metrics.address must be host:port, not '" + text + "'");
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException("metrics.address: write an IPv6 host in brackets, as [::1]:9180");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new ConfigException("metrics.address port must be a number, not '" + portText + "'");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException("metrics.address port must be 1-65535, not " + port);
        }
        if (!host.equals("localhost") && !IpLiterals.isLiteral(host)) {
            throw new ConfigException("metrics.address host must be an IP address or localhost, not '"
                    + host + "'");
        }
        try {
            // An IP literal is parsed without any lookup; localhost comes from the hosts file.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException("metrics.address host '" + host + "': " + e.getMessage(), e);
        }
    }
}
