package io.berth.server.image.archive;

import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.Digest;
import io.berth.snapshotter.tar.TarHeader;
import io.berth.snapshotter.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;

/**
 * The members of a tar archive (plain or gzip-compressed), read once from start to end. A member named by
 * its digest ({@code blobs/<algorithm>/<hex>}, as OCI layouts and docker 25+ write) goes straight into the
 * content store through its verifying ingest, so the largest members are written once; any other file
 * (docker save's {@code manifest.json}, its configs and {@code layer.tar}s) is spooled into the staging
 * dir, hashed on the way, until the archive's manifest says what it is. Links are kept as names of other
 * members and resolved among them, never on a filesystem. Only files, directories and links are accepted.
 */
final class TarMembers implements ArchiveMembers {
    private static final Logger LOG = Logger.getLogger(TarMembers.class.getName());
    /** As the kernel's MAXSYMLINKS: a longer chain is a loop or an attack. */
    private static final int MAX_LINK_HOPS = 40;
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    private static final byte[] BZIP2_MAGIC = {'B', 'Z', 'h'};

    private sealed interface Member permits Stored, Spooled, Link {}

    /** In the content store already, verified against the digest the member's name gives. */
    private record Stored(Digest digest, long size) implements Member {}

    private record Spooled(Path file, Digest digest, long size) implements Member {}

    private record Link(String target) implements Member {}

    private final Map<String, Member> members = new HashMap<>();
    private final List<Path> spooled = new ArrayList<>();
    private final Path staging;
    private final String spoolPrefix = UUID.randomUUID() + "-";
    private final LeasedIngest ingest;
    private final ArchiveLimits limits;

    private TarMembers(Path staging, LeasedIngest ingest, ArchiveLimits limits) {
        this.staging = staging;
        this.ingest = ingest;
        this.limits = limits;
    }

    /** Reads the whole tar at {@code source}; on failure, whatever it spooled is gone again. */
    static TarMembers read(Path source, Path staging, LeasedIngest ingest, ArchiveLimits limits) {
        TarMembers tar = new TarMembers(staging, ingest, limits);
        try (InputStream file = Files.newInputStream(source)) {
            TarReader reader = new TarReader(decompressed(new BufferedInputStream(file, 64 * 1024)),
                    limits.tarLimits());
            tar.readAll(reader);
            reader.finish();
            return tar;
        } catch (IOException e) {
            tar.close();
            // The JDK's gzip reader ends a cut-short stream with an EOFException that has no message.
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new InvalidArgumentException("it cannot be read as a tar archive, it is truncated or corrupt: "
                    + why, e);
        } catch (RuntimeException | Error e) {
            tar.close();
            throw e;
        }
    }

    private static InputStream decompressed(BufferedInputStream in) throws IOException {
        in.mark(8);
        byte[] head = in.readNBytes(6);
        in.reset();
        if (startsWith(head, GZIP_MAGIC)) {
            return new GZIPInputStream(in, 64 * 1024);
        }
        String other = startsWith(head, ZSTD_MAGIC) ? "zstd" : startsWith(head, XZ_MAGIC) ? "xz"
                : startsWith(head, BZIP2_MAGIC) ? "bzip2" : null;
        if (other != null) {
            throw new InvalidArgumentException("it is compressed with " + other + "; berth reads image archives as"
                    + " plain or gzip-compressed tar: decompress it first");
        }
        return in;
    }

    private void readAll(TarReader reader) throws IOException {
        int entries = 0;
        for (TarHeader entry; (entry = reader.next()) != null; ) {
            if (++entries > limits.maxEntries()) {
                throw new InvalidArgumentException("it has more than " + limits.maxEntries() + " members");
            }
            String name = MemberNames.normalize(entry.name());
            if (entry.isDirectory()) {
                continue;
            }
            String quoted = "'" + Require.printable(entry.name()) + "'";
            if (name.isEmpty()) {
                throw new InvalidArgumentException("member " + quoted + " names the archive's root but is not a"
                        + " directory");
            }
            if (members.containsKey(name)) {
                throw new InvalidArgumentException("member " + quoted + " appears twice; refusing an ambiguous"
                        + " archive");
            }
            Member member;
            if (entry.isSymlink()) {
                member = new Link(MemberNames.linkTarget(name, entry.linkName()));
            } else if (entry.isHardLink()) {
                member = new Link(MemberNames.normalize(entry.linkName()));
            } else if (entry.isRegular()) {
                member = MemberNames.blobDigest(name).isPresent()
                        ? store(name, MemberNames.blobDigest(name).get(), entry.size(), reader.content())
                        : spool(name, entry.size(), reader.content());
            } else {
                throw new InvalidArgumentException("member " + quoted + " is of tar type '" + entry.type()
                        + "'; image archives hold only files, directories and links");
            }
            members.put(name, member);
        }
    }

    private Member store(String name, Digest digest, long size, InputStream content) {
        BlobInfo stored = ingest.ingest(digest, size, name, sink -> LeasedIngest.copy(content, sink, name));
        return new Stored(stored.digest(), stored.size());
    }

    private Member spool(String name, long size, InputStream content) {
        Path file = staging.resolve(spoolPrefix + spooled.size());
        spooled.add(file);
        MessageDigest sha256 = Digest.newSha256();
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                int n;
                try {
                    n = content.read(buffer);
                } catch (IOException e) {
                    throw LeasedIngest.unreadable(name, e);
                }
                if (n < 0) {
                    break;
                }
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new InternalException("cannot stage archive member " + name + " in " + staging + ": "
                    + e.getMessage(), e);
        }
        return new Spooled(file, new Digest(Digest.SHA256, HexFormat.of().formatHex(sha256.digest())), size);
    }

    @Override
    public boolean contains(String name) {
        return members.containsKey(name);
    }

    @Override
    public byte[] readDocument(String name, long maxBytes) {
        Member member = resolve(name);
        long size = member instanceof Stored s ? s.size() : ((Spooled) member).size();
        if (size > maxBytes) {
            throw new InvalidArgumentException("member " + name + " is " + size + " bytes, more than the " + maxBytes
                    + " allowed for it");
        }
        if (member instanceof Stored s) {
            return ingest.read(s.digest(), maxBytes);
        }
        try {
            return Files.readAllBytes(((Spooled) member).file());
        } catch (IOException e) {
            throw new InternalException("cannot read staged archive member " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public BlobInfo identify(String name) {
        Member member = resolve(name);
        return member instanceof Stored s ? new BlobInfo(s.digest(), s.size())
                : new BlobInfo(((Spooled) member).digest(), ((Spooled) member).size());
    }

    @Override
    public void store(String name, Digest digest, long size) {
        Member member = resolve(name);
        BlobInfo found = identify(name);
        if (!found.digest().equals(digest)) {
            throw new InvalidArgumentException("member " + name + " holds blob " + found.digest() + ", not the "
                    + digest + " the image names");
        }
        if (member instanceof Spooled s) {
            ingest.ingest(digest, size, name, sink -> {
                try (InputStream in = Files.newInputStream(s.file())) {
                    in.transferTo(sink);
                }
            });
        } else {
            ingest.ingest(digest, size, name, sink -> {
                throw new InternalException("blob " + digest + " left the content store while it was leased");
            });
        }
    }

    /** Deletes what was spooled; the staging dir itself is berthd's. */
    @Override
    public void close() {
        for (Path file : spooled) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warning("cannot remove staged archive member " + file + "; it goes at the next start: "
                        + e.getMessage());
            }
        }
        spooled.clear();
    }

    private Member resolve(String name) {
        String current = name;
        for (int hops = 0; hops <= MAX_LINK_HOPS; hops++) {
            Member member = members.get(current);
            if (member == null) {
                throw new InvalidArgumentException(current.equals(name) ? "the archive has no member " + name
                        : "member " + name + " is a link to " + current + ", which is not in the archive");
            }
            if (!(member instanceof Link link)) {
                return member;
            }
            current = link.target();
        }
        throw new InvalidArgumentException("member " + name + " is a chain of more than " + MAX_LINK_HOPS + " links");
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }
}
