package io.berth.server.admin;

import io.berth.admin.v1.ExportRequest;
import io.berth.common.error.NotFoundException;
import io.berth.common.validate.Require;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * ExportImage, before its bytes are chunked (see {@link ChunkedExports}): the reference must name an image
 * berth has, checked before the first byte goes out, so that a typo is an error and not an empty archive.
 */
public final class ExportImageRpc {
    /** Finds the image a reference names (a tag, a digest reference, an id or a unique id prefix). */
    @FunctionalInterface
    public interface ImageIds {
        Optional<String> idOf(String reference);
    }

    private final ImageIds images;
    private final ImageArchivePort archives;

    public ExportImageRpc(ImageIds images, ImageArchivePort archives) {
        this.images = images;
        this.archives = archives;
    }

    public void call(ExportRequest request, OutputStream out) throws IOException {
        String reference = Require.nonEmpty(request.getReference(), "reference");
        if (images.idOf(reference).isEmpty()) {
            // Neither an id nor a known name: a malformed reference says what is wrong with it.
            ImageReference.parse(reference);
            throw new NotFoundException("ExportImage: no image " + Require.printable(reference)
                    + " in berth; crictl images lists what there is");
        }
        archives.exportImage(reference, out);
    }
}
