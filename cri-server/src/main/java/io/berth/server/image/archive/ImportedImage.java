package io.berth.server.image.archive;

import java.util.List;

/**
 * One image an archive import recorded, with the names the archive gave it (the image may have more, from
 * earlier pulls or imports). An image the archive did not name has no tags and no repo digests: it is known
 * by its id.
 *
 * @param id          {@code sha256:<hex>} of the config blob, the id a pull of the same image reports
 * @param repoTags    normalized {@code name:tag}, e.g. {@code docker.io/library/busybox:latest}
 * @param repoDigests {@code name@digest} of what the archive's name pointed at (an index or a manifest); a
 *                    docker save archive carries no manifest, so its images have none
 */
public record ImportedImage(String id, List<String> repoTags, List<String> repoDigests) {
    public ImportedImage {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
    }
}
