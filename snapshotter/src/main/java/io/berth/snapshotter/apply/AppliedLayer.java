package io.berth.snapshotter.apply;

/**
 * What applying a layer found out about it.
 *
 * @param diffId sha256 of the uncompressed tar, to compare with the image config's {@code rootfs.diff_ids}
 * @param compressedDigest sha256 of the blob as read, to compare with the manifest's layer digest; null where the
 *     caller checks that digest as it stores the blob (a layer unpacked apart)
 */
public record AppliedLayer(String diffId, long uncompressedSize, String compressedDigest, long compressedSize,
        Compression compression) {

    /** Fails with {@link DiffIdMismatchException} unless the content is the layer the image config names. */
    public AppliedLayer verifyDiffId(String expected) {
        if (!diffId.equals(expected)) {
            throw new DiffIdMismatchException(expected, diffId);
        }
        return this;
    }
}
