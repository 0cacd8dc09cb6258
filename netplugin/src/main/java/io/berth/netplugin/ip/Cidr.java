package io.berth.netplugin.ip;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 prefix, normalised to its network address. Parsing accepts literal addresses only, so
 * a hostile string can never make berth resolve a host name.
 */
public record Cidr(InetAddress network, int prefixLength) {
    private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    public static Cidr parse(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new InvalidArgumentException(field + " is empty: expected a CIDR such as 10.88.0.0/16");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw bad(text, field, "missing '/<prefix length>'");
        }
        InetAddress address = parseAddress(text.substring(0, slash), field);
        int bits = address.getAddress().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw bad(text, field, "the prefix length is not a number");
        }
        if (prefix < 0 || prefix > bits) {
            throw bad(text, field, "the prefix length must be between 0 and " + bits);
        }
        return new Cidr(toAddress(toNumber(address).and(mask(prefix, bits)), bits), prefix);
    }

    /** A literal IPv4 or IPv6 address; anything else (host names included) is refused. */
    public static InetAddress parseAddress(String text, String field) {
        if (text == null || !(V4.matcher(text).matches() || V6.matcher(text).matches())) {
            throw new InvalidArgumentException(field + " '" + Require.printable(String.valueOf(text))
                    + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new InvalidArgumentException(field + " '" + Require.printable(text) + "' is not an IP address");
        }
    }

    public boolean isIpv6() {
        return network.getAddress().length == 16;
    }

    public int bits() {
        return network.getAddress().length * 8;
    }

    /** Number of addresses in the prefix. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(bits() - prefixLength);
    }

    /** The address {@code offset} places after the network address. */
    public InetAddress address(BigInteger offset) {
        if (offset.signum() < 0 || offset.compareTo(size()) >= 0) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return toAddress(toNumber(network).add(offset), bits());
    }

    public BigInteger offsetOf(InetAddress address) {
        return toNumber(address).subtract(toNumber(network));
    }

    public boolean contains(InetAddress address) {
        return address.getAddress().length == network.getAddress().length
                && toNumber(address).and(mask(prefixLength, bits())).equals(toNumber(network));
    }

    public boolean overlaps(Cidr other) {
        if (other.isIpv6() != isIpv6()) {
            return false;
        }
        return prefixLength <= other.prefixLength ? contains(other.network) : other.contains(network);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    public static BigInteger toNumber(InetAddress address) {
        return new BigInteger(1, address.getAddress());
    }

    static InetAddress toAddress(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[bits / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger mask(int prefix, int bits) {
        return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
    }

    private static InvalidArgumentException bad(String text, String field, String why) {
        return new InvalidArgumentException(field + " '" + Require.printable(text) + "' is not a valid CIDR: " + why);
    }
}
