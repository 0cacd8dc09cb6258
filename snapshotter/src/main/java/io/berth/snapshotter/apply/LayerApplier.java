package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.tar.TarLimitException;
import io.berth.snapshotter.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Applies an OCI or Docker layer (tar, tar+gzip or tar+zstd, streamed) onto a prepared snapshot, and
 * reports the layer's diffID for the caller to check against the image config.
 *
 * <p>How: the snapshot's mounts are mounted on a scratch dir and the layer is extracted into that merged
 * view, as containerd does, rather than into the overlay upper dir with whiteouts converted by hand.
 * Chosen because in the merged view the earlier layers are present: a symlink from a lower layer
 * ({@code bin -> usr/bin}) is resolved where it really is, a whiteout is a plain deletion that overlayfs
 * itself turns into its whiteout device (and an opaque dir into deletions of the lower children), and the
 * native snapshotter, whose snapshot is a full copy, goes through exactly the same code. One code path is
 * one place to get path safety right. A single bind mount (native, or a first overlay layer) needs no
 * mount: its source dir is the view.
 */
public final class LayerApplier {
    private final Path scratch;
    private final LayerLimits limits;

    /** @param scratch where merged views are mounted while a layer is applied; created if missing */
    public LayerApplier(Path scratch) {
        this(scratch, LayerLimits.DEFAULTS);
    }

    /** @param limits what one layer may hold; a layer beyond them fails with {@link LayerLimitException} */
    public LayerApplier(Path scratch, LayerLimits limits) {
        this.scratch = scratch;
        this.limits = limits;
    }

    /**
     * Applies the layer blob to the active snapshot shown by {@code mounts}. On any failure the snapshot
     * holds a partial layer: the caller removes it rather than committing it.
     *
     * @param mediaType the layer's media type from the manifest, or null to go by the content alone
     */
    public AppliedLayer apply(List<Mount> mounts, InputStream blob, String mediaType) throws IOException {
        if (mounts.size() == 1 && mounts.get(0).type().equals("bind") && !mounts.get(0).readOnly()) {
            return applyToDirectory(Path.of(mounts.get(0).source()), blob, mediaType, limits);
        }
        Files.createDirectories(scratch);
        Path target = Files.createTempDirectory(scratch, "apply-");
        try {
            try (MountedView view = MountedView.mount(mounts, target)) {
                return applyToDirectory(view.path(), blob, mediaType, limits);
            }
        } finally {
            Files.deleteIfExists(target);
        }
    }

    /** As {@link #apply}, then {@link AppliedLayer#verifyDiffId}. */
    public AppliedLayer apply(List<Mount> mounts, InputStream blob, String mediaType, String expectedDiffId)
            throws IOException {
        return apply(mounts, blob, mediaType).verifyDiffId(expectedDiffId);
    }

    /** Applies the layer into {@code root}, a directory that shows every earlier layer. */
    public static AppliedLayer applyToDirectory(Path root, InputStream blob, String mediaType) throws IOException {
        return applyToDirectory(root, blob, mediaType, LayerLimits.DEFAULTS);
    }

    /** As {@link #applyToDirectory(Path, InputStream, String)}, within {@code limits}. */
    public static AppliedLayer applyToDirectory(Path root, InputStream blob, String mediaType, LayerLimits limits)
            throws IOException {
        DigestingInputStream compressed = new DigestingInputStream(blob);
        BufferedInputStream buffered = new BufferedInputStream(compressed, 64 * 1024);
        Compression compression = Compression.detect(buffered);
        Compression declared = Compression.fromMediaType(mediaType);
        if (declared != null && declared != compression) {
            throw new InvalidArgumentException("layer media type " + mediaType + " says "
                    + declared.name().toLowerCase() + " but the content is " + compression.name().toLowerCase());
        }
        try (InputStream decompressed = compression.decompress(buffered)) {
            DigestingInputStream uncompressed = new DigestingInputStream(decompressed);
            TarReader tar = new TarReader(uncompressed, limits.tarLimits());
            new LayerExtractor(root, limits).extract(tar);
            // The diffID covers the whole tar, end-of-archive blocks and any padding after them included.
            tar.finish();
            buffered.transferTo(OutputStream.nullOutputStream());
            return new AppliedLayer(uncompressed.digest(), uncompressed.count(), compressed.digest(),
                    compressed.count(), compression);
        } catch (TarLimitException e) {
            throw LayerLimits.exceeded(e);
        }
    }
}
