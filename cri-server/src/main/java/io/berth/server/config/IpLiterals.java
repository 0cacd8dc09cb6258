package io.berth.server.config;

import java.util.Arrays;

/** IP address literals as the config writes them, so that reading it never sends a name to DNS. */
final class IpLiterals {
    private IpLiterals() {}

    /** A dotted IPv4 address or an IPv6 address without brackets; never a host name. */
    static boolean isLiteral(String host) {
        if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            // 999.1.1.1 is not a literal, and InetAddress.getByName would send it to DNS.
            return Arrays.stream(host.split("\\.")).allMatch(octet -> Integer.parseInt(octet) <= 255);
        }
        return host.contains(":") && host.matches("[0-9a-fA-F:.]+");
    }
}
