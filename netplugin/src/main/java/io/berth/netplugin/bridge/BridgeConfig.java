package io.berth.netplugin.bridge;

import io.berth.common.error.InvalidArgumentException;
import io.berth.netplugin.ip.Cidr;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Settings of the built-in bridge plugin.
 *
 * @param bridge the bridge device name (at most 15 characters)
 * @param subnets configured ranges: one IPv4, optionally one IPv6 for dual stack
 * @param podCidrs the pod CIDRs kubelet sent with UpdateRuntimeConfig; when non-empty they replace
 *     {@code subnets}
 * @param mtu MTU of the bridge and the veths; 0 leaves the kernel default
 * @param allowEgress whether pods may send beyond this machine; when false a forward rule drops anything
 *     between the bridge and another interface
 * @param stateDir where pod records and address allocations live
 */
public record BridgeConfig(String bridge, List<Cidr> subnets, Supplier<List<String>> podCidrs, int mtu,
        boolean allowEgress, Path stateDir, String nftBinary) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,15}");

    public BridgeConfig {
        if (bridge == null || !NAME.matcher(bridge).matches()) {
            throw new InvalidArgumentException("bridge name '" + bridge + "' must be 1-15 letters, digits, '-' or '_'");
        }
        if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
            throw new InvalidArgumentException("mtu " + mtu + " must be 0 (kernel default) or 576-65535");
        }
        subnets = checkRanges(subnets, "subnet");
    }

    /** The ranges to allocate from now: kubelet's pod CIDRs if it sent any, else the configured subnets. */
    public List<Cidr> ranges() {
        List<String> fromKubelet = podCidrs.get();
        if (fromKubelet.isEmpty()) {
            return subnets;
        }
        return checkRanges(fromKubelet.stream().map(c -> Cidr.parse(c, "pod CIDR")).toList(), "pod CIDR");
    }

    private static List<Cidr> checkRanges(List<Cidr> ranges, String what) {
        if (ranges.isEmpty()) {
            throw new InvalidArgumentException("the bridge plugin needs an IPv4 " + what);
        }
        long v4 = ranges.stream().filter(c -> !c.isIpv6()).count();
        long v6 = ranges.size() - v4;
        if (v4 != 1 || v6 > 1) {
            throw new InvalidArgumentException(what + "s " + ranges + ": expected one IPv4 range and at most one IPv6"
                    + " range (dual stack)");
        }
        for (Cidr c : ranges) {
            if (c.prefixLength() > (c.isIpv6() ? 126 : 30)) {
                throw new InvalidArgumentException(what + " " + c + " is too small: pods need at least a /30"
                        + " (IPv4) or /126 (IPv6)");
            }
        }
        return ranges.stream().sorted((a, b) -> Boolean.compare(a.isIpv6(), b.isIpv6())).toList();
    }
}
