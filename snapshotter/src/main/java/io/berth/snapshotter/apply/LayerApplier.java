package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.NoFollowFiles;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.MountedView;
import io.berth.snapshotter.tar.TarLimitException;
import io.berth.snapshotter.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

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
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

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

    /**
     * Applies the layer into {@code dir}, the layer's own dir with nothing of the layers below it, as an overlay
     * upper dir is. Throws {@link NeedsLowerLayersException} when the layer needs those layers to be applied
     * (a whiteout, a hardlink to their file); {@link #fitsOn} then decides whether what it made means the same on
     * top of them as it would have applied onto them.
     */
    public ApartLayer applyApart(Path dir, InputStream blob, String mediaType) throws IOException {
        return applyApart(dir, blob, mediaType, Long.MAX_VALUE, () -> true);
    }

    /**
     * As {@link #applyApart(Path, InputStream, String)}; past {@code lightEntries} entries, goes on only if
     * {@code mayGrow} says so, else throws {@link NeedsLowerLayersException}.
     */
    public ApartLayer applyApart(Path dir, InputStream blob, String mediaType, long lightEntries,
            BooleanSupplier mayGrow) throws IOException {
        LayerExtractor extractor = new LayerExtractor(dir, limits, true);
        extractor.limitGrowth(lightEntries, mayGrow);
        // The caller has the blob's digest checked as it is stored: a second hash here would only cost time.
        AppliedLayer applied = applyWith(extractor, blob, mediaType, limits, false);
        return new ApartLayer(applied, extractor.dirsMade(), extractor.impliedDirs());
    }

    /**
     * Whether {@code layer}, applied apart into {@code dir}, shows the same on top of the committed layers that
     * {@code parentMounts} show as it would have had it been applied onto them: no dir it made is a non-directory
     * (a symlink, say) below, where applying onto them would have gone through or replaced it. Its implied dirs
     * take the owner and mode of the dir below, as they would have by showing it. Returns false when it does not
     * fit: the caller applies it again onto the parent.
     */
    public boolean fitsOn(ApartLayer layer, Path dir, List<Mount> parentMounts) throws IOException {
        if (layer.dirs().isEmpty()) {
            return true;
        }
        if (parentMounts.size() == 1 && parentMounts.get(0).type().equals("bind")) {
            return fitsOnView(layer, dir, Path.of(parentMounts.get(0).source()));
        }
        Files.createDirectories(scratch);
        Path target = Files.createTempDirectory(scratch, "check-");
        try {
            try (MountedView view = MountedView.mount(parentMounts, target)) {
                return fitsOnView(layer, dir, view.path());
            }
        } finally {
            Files.deleteIfExists(target);
        }
    }

    private static boolean fitsOnView(ApartLayer layer, Path dir, Path below) throws IOException {
        List<Path> dirs = new ArrayList<>(layer.dirs());
        // Parents first: a deeper path is looked at only once every dir above it is known to be a real one.
        dirs.sort(Comparator.comparingInt(Path::getNameCount));
        Set<Path> explicit = new HashSet<>(layer.dirs());
        explicit.removeAll(new HashSet<>(layer.implied()));
        for (Path d : dirs) {
            Map<String, Object> lower;
            try {
                lower = Files.readAttributes(below.resolve(d), "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            } catch (FileSystemException e) {
                return false; // not a plain "absent": leave it to applying onto the parent to say what it is
            }
            int mode = (Integer) lower.get("mode");
            if ((mode & S_IFMT) != S_IFDIR) {
                return false;
            }
            Path mine = dir.resolve(d);
            if (!explicit.contains(d) && Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS)) {
                NoFollowFiles.lchown(mine, (Integer) lower.get("uid"), (Integer) lower.get("gid"));
                NoFollowFiles.chmodNoFollow(mine, mode & 07777);
            }
        }
        return true;
    }

    /** Applies the layer into {@code root}, a directory that shows every earlier layer. */
    public static AppliedLayer applyToDirectory(Path root, InputStream blob, String mediaType) throws IOException {
        return applyToDirectory(root, blob, mediaType, LayerLimits.DEFAULTS);
    }

    /** As {@link #applyToDirectory(Path, InputStream, String)}, within {@code limits}. */
    public static AppliedLayer applyToDirectory(Path root, InputStream blob, String mediaType, LayerLimits limits)
            throws IOException {
        return applyWith(new LayerExtractor(root, limits), blob, mediaType, limits, true);
    }

    private static AppliedLayer applyWith(LayerExtractor extractor, InputStream blob, String mediaType,
            LayerLimits limits, boolean hashBlob) throws IOException {
        DigestingInputStream compressed = new DigestingInputStream(blob, hashBlob);
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
            extractor.extract(tar);
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
