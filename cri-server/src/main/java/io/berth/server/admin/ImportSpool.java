package io.berth.server.admin;

import com.google.protobuf.ByteString;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.ResourceExhaustedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Where ImportImage puts an archive while it arrives: one file per import in a dir under berth's root,
 * bounded in size and never allowed to fill the filesystem, removed when the import ends however it ends.
 * A berthd that died during an import left its file behind; opening the spool removes it.
 */
public final class ImportSpool {
    private static final Logger LOG = Logger.getLogger(ImportSpool.class.getName());

    /** The largest chunk a client may send; the proto promises it, and it bounds what one message costs. */
    public static final int MAX_CHUNK_BYTES = 1024 * 1024;

    /**
     * @param maxArchiveBytes the largest archive spooled; a node's biggest images are a few GiB, so this is a
     *     bound against a runaway sender, not a limit anyone should meet
     * @param minFreeBytes what must stay free on the spool's filesystem: berth needs room to unpack the
     *     archive's layers, and the node needs room for everything else
     */
    public record Limits(long maxArchiveBytes, long minFreeBytes) {
        public static final Limits DEFAULT = new Limits(64L * 1024 * 1024 * 1024, 1024L * 1024 * 1024);
    }

    private final Path dir;
    private final Limits limits;

    private ImportSpool(Path dir, Limits limits) {
        this.dir = dir;
        this.limits = limits;
    }

    /** The spool in {@code dir}, created private to root; files left by a previous berthd are removed. */
    public static ImportSpool open(Path dir, Limits limits) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> leftovers = Files.list(dir)) {
            for (Path leftover : leftovers.toList()) {
                LOG.info("removing " + leftover + ", the spool of an import a previous berthd did not finish");
                Files.deleteIfExists(leftover);
            }
        }
        return new ImportSpool(dir, limits);
    }

    /** A new, empty spool file; close it to remove it. */
    public Spooled begin() throws IOException {
        Path file = Files.createTempFile(dir, "import-", ".tar");
        try {
            return new Spooled(file, FileChannel.open(file, StandardOpenOption.WRITE), Files.getFileStore(dir));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** One archive being received. */
    public final class Spooled implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final FileStore store;
        private long size;

        private Spooled(Path file, FileChannel channel, FileStore store) {
            this.file = file;
            this.channel = channel;
            this.store = store;
        }

        public Path path() {
            return file;
        }

        public long size() {
            return size;
        }

        /** Appends one chunk, refusing a chunk or an archive past the bounds before any byte of it is written. */
        public void append(ByteString data) throws IOException {
            if (data.size() > MAX_CHUNK_BYTES) {
                throw new InvalidArgumentException("ImportImage: a chunk of " + data.size() + " bytes; send chunks of"
                        + " at most " + MAX_CHUNK_BYTES + " bytes");
            }
            if (size + data.size() > limits.maxArchiveBytes()) {
                throw new ResourceExhaustedException("ImportImage: the archive is larger than "
                        + limits.maxArchiveBytes() + " bytes, the most berthd accepts; import its images in"
                        + " smaller archives");
            }
            long free = store.getUsableSpace();
            if (free - data.size() < limits.minFreeBytes()) {
                throw new ResourceExhaustedException("ImportImage: spooling the archive would leave less than "
                        + limits.minFreeBytes() + " bytes free on the filesystem of " + dir + " (" + free
                        + " free after " + size + " bytes of the archive); free some space and try again");
            }
            for (ByteBuffer buffer : data.asReadOnlyByteBufferList()) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            size += data.size();
        }

        /** Makes what was written visible to a reader of {@link #path()}. */
        public void finish() throws IOException {
            channel.close();
        }

        /** Removes the file; idempotent. */
        @Override
        public void close() {
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warning("cannot remove the import spool " + file + ": " + e.getMessage()
                        + "; the next berthd removes it");
            }
        }
    }
}
