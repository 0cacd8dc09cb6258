package io.berth.linux.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-interface counters in the {@code /proc/net/dev} format. To read a pod's namespace, call
 * {@link #ofCallingThread()} from inside {@code Namespaces.runIn(Kind.NET, nsFile, ...)}.
 */
public final class NetDevStats {
    /**
     * {@code /proc/net} is a link to {@code /proc/self/net}, the namespace of the thread-group leader, so a
     * thread that entered another namespace with setns would read the host's interfaces there.
     * {@code thread-self} follows the calling thread's namespace.
     */
    private static final Path CALLING_THREAD = Path.of("/proc/thread-self/net/dev");

    private NetDevStats() {}

    /** The interfaces of the network namespace the calling thread is in. */
    public static List<InterfaceCounters> ofCallingThread() throws IOException {
        return read(CALLING_THREAD);
    }

    public static List<InterfaceCounters> read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /**
     * Two header lines, then one line per interface: {@code name:} followed by 8 receive counters (bytes packets
     * errs drop fifo frame compressed multicast) and 8 transmit counters (bytes packets errs drop fifo colls
     * carrier compressed). The name is right-aligned and long values can run into the colon, so the line is split
     * at the last colon rather than at whitespace.
     */
    public static List<InterfaceCounters> parse(String text) {
        List<InterfaceCounters> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.lastIndexOf(':');
            if (colon < 0 || line.contains("|")) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String[] v = line.substring(colon + 1).trim().split("\\s+");
            if (name.isEmpty() || v.length < 16) {
                throw new IllegalArgumentException("not a /proc/net/dev line: '" + line + "'");
            }
            out.add(new InterfaceCounters(name,
                    Long.parseUnsignedLong(v[0]), Long.parseUnsignedLong(v[1]), Long.parseUnsignedLong(v[2]),
                    Long.parseUnsignedLong(v[3]),
                    Long.parseUnsignedLong(v[8]), Long.parseUnsignedLong(v[9]), Long.parseUnsignedLong(v[10]),
                    Long.parseUnsignedLong(v[11])));
        }
        return out;
    }
}
