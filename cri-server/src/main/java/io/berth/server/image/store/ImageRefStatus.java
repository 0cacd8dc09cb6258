package io.berth.server.image.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The changing part of an image record: the names that point at it and the manifests it was pulled
 * through. Replaced as a whole on every change.
 *
 * @param repoTags    normalized {@code name:tag} references, e.g. {@code docker.io/library/busybox:latest}
 * @param repoDigests {@code name@digest}, the digest being what the registry's tag pointed at (an index when
 *                    there was one), so that {@code name@digest} pulls the same image again
 * @param manifests   digests of the manifests and indexes of this image kept in the content store
 * @param pinned      never garbage collected by kubelet
 * @param updated     when the refs last changed (ISO-8601); after a crash between two records' updates it
 *                    decides which image keeps a tag that both claim
 */
public record ImageRefStatus(List<String> repoTags, List<String> repoDigests, List<String> manifests, boolean pinned,
        String updated) {
    public ImageRefStatus {
        repoTags = List.copyOf(repoTags);
        repoDigests = List.copyOf(repoDigests);
        manifests = List.copyOf(manifests);
    }

    static ImageRefStatus empty(String now) {
        return new ImageRefStatus(List.of(), List.of(), List.of(), false, now);
    }

    ImageRefStatus withTag(String tag, String now) {
        return new ImageRefStatus(added(repoTags, tag), repoDigests, manifests, pinned, now);
    }

    ImageRefStatus withoutTag(String tag, String now) {
        List<String> tags = new ArrayList<>(repoTags);
        tags.remove(tag);
        return new ImageRefStatus(tags, repoDigests, manifests, pinned, now);
    }

    ImageRefStatus withDigest(String repoDigest, List<String> manifestDigests, String now) {
        List<String> allManifests = manifests;
        for (String m : manifestDigests) {
            allManifests = added(allManifests, m);
        }
        return new ImageRefStatus(repoTags, added(repoDigests, repoDigest), allManifests, pinned, now);
    }

    private static List<String> added(List<String> list, String value) {
        if (value == null || list.contains(value)) {
            return list;
        }
        List<String> out = new ArrayList<>(list);
        out.add(value);
        return out;
    }
}
