package io.berth.server.admin.cli;

import io.berth.server.image.archive.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the bytes of an archive to import come from: a tar file, a layout directory, or standard input. */
record ArchiveSource(String name, Writer bytes) {
    /** Writes the archive's bytes, in order, to the upload. */
    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** {@code -} is standard input; anything else a path, checked before any byte is sent. */
    static ArchiveSource of(String operand, InputStream stdin) throws Invocation.UsageException {
        if (operand.equals("-")) {
            return new ArchiveSource("standard input", stdin::transferTo);
        }
        Path path = Path.of(operand);
        if (Files.isDirectory(path)) {
            return directory(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new Invocation.UsageException(operand + ": no such file");
        }
        if (!Files.isReadable(path)) {
            throw new Invocation.UsageException(operand + ": not readable");
        }
        return new ArchiveSource(operand, out -> Files.copy(path, out));
    }

    /**
     * An unpacked archive (an OCI layout, or a docker save extracted) is tarred as it is sent, so berthd reads
     * one format whatever the operator has; a link in the tree is refused rather than followed.
     */
    private static ArchiveSource directory(Path dir) {
        return new ArchiveSource(dir.toString(), out -> TarWriter.writeTree(dir, out));
    }
}
