package io.berth.server.admin;

import io.berth.server.image.archive.ImportedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** An image side that keeps what it was asked to import and exports canned bytes: for the admin RPC tests. */
public final class RecordingArchives implements ImageArchivePort {
    /** The bytes of each archive imported, as the spooled file held them when the import ran. */
    public final List<byte[]> imported = new CopyOnWriteArrayList<>();
    /** Where the import read each archive from, to check that it is gone afterwards. */
    public final List<Path> importedFrom = new CopyOnWriteArrayList<>();
    /** Set to make the next imports fail with it. */
    public final AtomicReference<RuntimeException> importFailure = new AtomicReference<>();
    public volatile List<ImportedImage> importAnswer = List.of(new ImportedImage("sha256:" + "1".repeat(64),
            List.of("docker.io/library/busybox:latest"), List.of()));

    /** What an export writes, in writes of {@link #EXPORT_WRITE_BYTES}. */
    public volatile byte[] exportBytes = new byte[0];
    /** Thrown once {@code failExportAfter} bytes are written; null exports everything. */
    public volatile RuntimeException exportFailure;
    public volatile int failExportAfter;
    /** How the last export ended on the writing side: null while running or after a clean end. */
    public final AtomicReference<IOException> exportWriteFailure = new AtomicReference<>();
    public volatile boolean exportEnded;
    static final int EXPORT_WRITE_BYTES = 64 * 1024;

    @Override
    public List<ImportedImage> importArchive(Path source) throws IOException {
        importedFrom.add(source);
        imported.add(Files.readAllBytes(source));
        RuntimeException failure = importFailure.get();
        if (failure != null) {
            throw failure;
        }
        return importAnswer;
    }

    @Override
    public void exportImage(String reference, OutputStream out) throws IOException {
        try {
            for (int at = 0; at < exportBytes.length; at += EXPORT_WRITE_BYTES) {
                if (exportFailure != null && at >= failExportAfter) {
                    throw exportFailure;
                }
                out.write(exportBytes, at, Math.min(EXPORT_WRITE_BYTES, exportBytes.length - at));
            }
        } catch (IOException e) {
            exportWriteFailure.set(e);
            throw e;
        } finally {
            exportEnded = true;
        }
    }
}
