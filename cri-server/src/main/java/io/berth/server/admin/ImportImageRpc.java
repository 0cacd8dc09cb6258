package io.berth.server.admin;

import io.berth.admin.v1.ImportReply;
import io.berth.admin.v1.LoadedImage;
import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.archive.ImportedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ImportImage, once the archive is spooled (see {@link SpooledImports}): the image side imports it, and
 * the reply names every image it brought in.
 */
public final class ImportImageRpc {
    private final ImageArchivePort archives;

    public ImportImageRpc(ImageArchivePort archives) {
        this.archives = archives;
    }

    public ImportReply call(Path archive) throws IOException {
        if (Files.size(archive) == 0) {
            throw new InvalidArgumentException("ImportImage: the archive is empty; send the bytes of a tar archive"
                    + " (docker save or an OCI image layout)");
        }
        ImportReply.Builder out = ImportReply.newBuilder();
        for (ImportedImage image : archives.importArchive(archive)) {
            out.addImages(LoadedImage.newBuilder()
                    .setId(image.id())
                    .addAllRepoTags(image.repoTags())
                    .addAllRepoDigests(image.repoDigests()));
        }
        return out.build();
    }
}
