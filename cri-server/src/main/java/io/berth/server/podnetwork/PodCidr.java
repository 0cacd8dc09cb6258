package io.berth.server.podnetwork;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The pod CIDR(s) kubelet hands over with UpdateRuntimeConfig (comma-separated for dual stack). Kept
 * here for the network plugin to allocate from; empty until kubelet sends one.
 */
public final class PodCidr {
    private final AtomicReference<List<String>> cidrs = new AtomicReference<>(List.of());

    public List<String> current() {
        return cidrs.get();
    }

    /** Validates and stores; an empty value is kubelet saying "no CIDR" and clears it. */
    public void update(String value, String field) {
        List<String> parsed = new ArrayList<>();
        if (!value.isBlank()) {
            for (String part : value.split(",")) {
                parsed.add(validate(part.trim(), field));
            }
        }
        cidrs.set(List.copyOf(parsed));
    }

    static String validate(String cidr, String field) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw bad(cidr, field, "missing '/<prefix length>'");
        }
        String addr = cidr.substring(0, slash);
        // Only literal addresses: InetAddress would otherwise try to resolve a host name.
        if (!addr.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw bad(cidr, field, "'" + Require.printable(addr) + "' is not an IP address");
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw bad(cidr, field, "'" + Require.printable(addr) + "' is not an IP address");
        }
        int bits = ip.getAddress().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw bad(cidr, field, "the prefix length is not a number");
        }
        if (prefix < 0 || prefix > bits) {
            throw bad(cidr, field, "the prefix length must be between 0 and " + bits);
        }
        return cidr;
    }

    private static InvalidArgumentException bad(String cidr, String field, String why) {
        return new InvalidArgumentException(field + " '" + Require.printable(cidr) + "' is not a valid CIDR: " + why);
    }
}
