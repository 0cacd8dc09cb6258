package io.berth.server.admin.cli;

import io.berth.admin.v1.AdminGrpc;
import io.berth.admin.v1.ExportChunk;
import io.berth.admin.v1.ExportRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;

/**
 * One ExportImage call, into a file or a stream. A file appears only complete: the chunks go to a temporary
 * file beside it, renamed over it at the end, so a failed export leaves no half archive and no clobbered file.
 */
final class ImageDownload {
    private ImageDownload() {}

    /** Writes the archive to {@code out}; returns its size. berthd's error is the StatusRuntimeException thrown. */
    static long toStream(AdminGrpc.AdminBlockingStub admin, String reference, OutputStream out) throws IOException {
        long size = 0;
        Iterator<ExportChunk> chunks = admin.exportImage(ExportRequest.newBuilder().setReference(reference).build());
        while (chunks.hasNext()) {
            ExportChunk chunk = chunks.next();
            chunk.getData().writeTo(out);
            size += chunk.getData().size();
        }
        out.flush();
        return size;
    }

    static long toFile(AdminGrpc.AdminBlockingStub admin, String reference, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        if (!Files.isDirectory(target.getParent())) {
            throw new IOException("cannot write " + file + ": " + target.getParent() + " is not a directory");
        }
        Path partial = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        try {
            long size;
            try (OutputStream out = Files.newOutputStream(partial)) {
                size = toStream(admin, reference, out);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return size;
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
