package io.berth.server.admin;

import io.berth.server.image.archive.ImageArchives;
import io.berth.server.image.archive.ImportedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * What the admin service needs of the image side to import and export image archives (docker save, OCI
 * layout). The admin RPCs are tested against a recording port, without an image store behind it.
 */
public interface ImageArchivePort {
    /** Imports every image of the archive at {@code source}; the file is the caller's to remove. */
    List<ImportedImage> importArchive(Path source) throws IOException;

    /** Writes the image {@code reference} names as a tar archive to {@code out}, which stays open. */
    void exportImage(String reference, OutputStream out) throws IOException;

    /** The image system's archive support. */
    static ImageArchivePort of(ImageArchives archives) {
        return new ImageArchivePort() {
            @Override
            public List<ImportedImage> importArchive(Path source) {
                return archives.importArchive(source);
            }

            @Override
            public void exportImage(String reference, OutputStream out) {
                archives.exportImage(reference, out);
            }
        };
    }
}
