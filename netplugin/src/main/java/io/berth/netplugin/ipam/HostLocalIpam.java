package io.berth.netplugin.ipam;

import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.io.AtomicFiles;
import io.berth.netplugin.ip.Cidr;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Address allocation in the style of CNI's host-local: one file per allocated address, named by the
 * address and holding the pod id, in a directory per range. Every change happens under a lock file
 * (plus a JVM lock, since file locks are per process), so concurrent set-ups, two daemons on one root and
 * restarts never hand out an address twice. The network address, the gateway (first host) and the IPv4
 * broadcast address are never handed out.
 */
public final class HostLocalIpam {
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /** An IPv6 /64 has 2^64 addresses; a search that long would hang a set-up, so it stops here. */
    private static final BigInteger MAX_SCAN = BigInteger.valueOf(1 << 16);

    private final Path dir;
    private final Cidr range;

    public HostLocalIpam(Path dir, Cidr range) {
        this.dir = dir.toAbsolutePath().normalize();
        this.range = range;
    }

    public Cidr range() {
        return range;
    }

    /** The gateway the bridge carries: the first host address of the range. */
    public InetAddress gateway() {
        return range.address(BigInteger.ONE);
    }

    /** Allocates an address for the pod, or returns the one it already holds here (a retried set-up). */
    public InetAddress allocate(String podId) throws IOException {
        return locked(() -> {
            for (Map.Entry<InetAddress, String> e : readAllocations().entrySet()) {
                if (e.getValue().equals(podId)) {
                    return e.getKey();
                }
            }
            BigInteger first = BigInteger.TWO;
            BigInteger last = range.size().subtract(range.isIpv6() ? BigInteger.ONE : BigInteger.TWO);
            if (last.compareTo(first) < 0) {
                throw new ResourceExhaustedException("range " + range + " has no address to hand out to pods:"
                        + " it needs at least a /30 (IPv4) or /126 (IPv6) beside its network and gateway address");
            }
            BigInteger span = last.subtract(first).add(BigInteger.ONE);
            BigInteger start = lastReserved().map(o -> o.add(BigInteger.ONE)).orElse(first);
            BigInteger tries = span.min(MAX_SCAN);
            for (BigInteger i = BigInteger.ZERO; i.compareTo(tries) < 0; i = i.add(BigInteger.ONE)) {
                BigInteger offset = start.subtract(first).add(i).mod(span).add(first);
                InetAddress candidate = range.address(offset);
                Path file = dir.resolve(candidate.getHostAddress());
                try {
                    Files.write(file, (podId + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
                } catch (FileAlreadyExistsException taken) {
                    continue;
                }
                AtomicFiles.write(dir.resolve("last_reserved_ip"), offset.toString().getBytes(StandardCharsets.UTF_8));
                return candidate;
            }
            throw new ResourceExhaustedException("no free address in " + range + " for pod " + podId + ": all "
                    + tries + " addresses are allocated (see " + dir + "); remove pods or configure a larger subnet");
        });
    }

    /** Releases every address the pod holds in this range; a pod holding none is fine. */
    public void release(String podId) throws IOException {
        locked(() -> {
            for (Map.Entry<InetAddress, String> e : readAllocations().entrySet()) {
                if (e.getValue().equals(podId)) {
                    Files.deleteIfExists(dir.resolve(e.getKey().getHostAddress()));
                }
            }
            return null;
        });
    }

    /**
     * Leftovers of writes cut short by a crash; call at start. That is temp files (last_reserved_ip is written
     * atomically), and allocation files created but killed before their owner was written: no set-up ever
     * returned such an address, so it is free.
     */
    public void removeTempLeftovers() throws IOException {
        locked(() -> {
            AtomicFiles.removeLeftovers(dir);
            for (Map.Entry<InetAddress, String> e : readAllocations().entrySet()) {
                if (e.getValue().isEmpty()) {
                    Files.deleteIfExists(dir.resolve(e.getKey().getHostAddress()));
                }
            }
            return null;
        });
    }

    /** Address to pod id, for status, garbage collection and tests. */
    public Map<InetAddress, String> allocations() throws IOException {
        return locked(this::readAllocations);
    }

    private Map<InetAddress, String> readAllocations() throws IOException {
        Map<InetAddress, String> out = new TreeMap<>((a, b) -> Cidr.toNumber(a).compareTo(Cidr.toNumber(b)));
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals("lock") || name.equals("last_reserved_ip") || name.startsWith(".")) {
                    continue;
                }
                InetAddress address;
                try {
                    address = Cidr.parseAddress(name, "allocation file");
                } catch (RuntimeException notAnAllocation) {
                    continue;
                }
                try {
                    out.put(address, Files.readString(f).trim());
                } catch (NoSuchFileException raced) {
                    // Released by another process between list and read.
                }
            }
        }
        return out;
    }

    private Optional<BigInteger> lastReserved() throws IOException {
        try {
            return Optional.of(new BigInteger(Files.readString(dir.resolve("last_reserved_ip")).trim()));
        } catch (NoSuchFileException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private interface Work<T> {
        T run() throws IOException;
    }

    private <T> T locked(Work<T> work) throws IOException {
        Files.createDirectories(dir);
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            return work.run();
        } finally {
            jvmLock.unlock();
        }
    }
}
