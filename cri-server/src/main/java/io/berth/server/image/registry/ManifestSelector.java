package io.berth.server.image.registry;

import io.berth.common.error.NotFoundException;
import java.util.List;
import java.util.stream.Collectors;

/** Picks the image manifest for a platform out of an index or manifest list, for pulls and archive imports alike. */
public final class ManifestSelector {
    private ManifestSelector() {}

    /**
     * The best entry for {@code wanted}: an exact variant before an older compatible one, the first listed
     * among equals. Entries that are not image manifests (attestations, nested indexes) are skipped.
     */
    public static Descriptor select(List<Descriptor> entries, Platform wanted, String image) {
        Descriptor best = null;
        int bestRank = Integer.MAX_VALUE;
        for (Descriptor entry : entries) {
            if (!MediaTypes.isImageManifest(entry.mediaType()) || entry.platform().isEmpty()) {
                continue;
            }
            int rank = wanted.matchRank(entry.platform().get());
            if (rank >= 0 && rank < bestRank) {
                best = entry;
                bestRank = rank;
            }
        }
        if (best == null) {
            String available = entries.stream()
                    .filter(e -> MediaTypes.isImageManifest(e.mediaType()))
                    .map(e -> e.platform().map(Platform::toString).orElse("unspecified"))
                    .distinct()
                    .collect(Collectors.joining(", "));
            throw new NotFoundException("image " + image + " has no manifest for platform " + wanted
                    + " (available: " + (available.isEmpty() ? "none" : available) + ")");
        }
        return best;
    }
}
