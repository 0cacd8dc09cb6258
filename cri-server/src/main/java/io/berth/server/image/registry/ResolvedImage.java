package io.berth.server.image.registry;

import com.google.protobuf.ByteString;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reference.ImageReference;
import java.util.Optional;

/**
 * A tag or digest resolved to the manifest for one platform.
 *
 * @param reference      what was asked for
 * @param digest         digest of what the reference points at (the index when there is one): the
 *                       "repo digest" that {@code name@digest} pulls again
 * @param index          the index or manifest list, when the reference pointed at one
 * @param manifestDigest digest of the platform's image manifest (equal to {@code digest} without an index)
 * @param manifestBytes  the manifest exactly as served, for storing under {@code manifestDigest}
 * @param manifest       the parsed manifest
 * @param registryHost   the host that answered (a mirror or the upstream), for logs
 */
public record ResolvedImage(
        ImageReference reference,
        Digest digest,
        Optional<FetchedManifest> index,
        Digest manifestDigest,
        ByteString manifestBytes,
        ImageManifest manifest,
        String registryHost) {

    /** A manifest document as fetched: its digest, media type and exact bytes. */
    public record FetchedManifest(Digest digest, String mediaType, ByteString bytes) {}
}
