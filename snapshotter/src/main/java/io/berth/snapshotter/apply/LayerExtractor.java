package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.ErrnoException;
import io.berth.linux.NewFiles;
import io.berth.linux.NoFollowFiles;
import io.berth.linux.TreeDeleter;
import io.berth.snapshotter.tar.TarHeader;
import io.berth.snapshotter.tar.TarReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Writes the entries of one layer into a directory that shows the whole image so far (a native snapshot,
 * or an overlay mounted with its lowers), so that a whiteout is a plain deletion and a symlink of an
 * earlier layer is there to be resolved. Every path goes through {@link RootedResolver}; the last
 * component of an entry is never followed, but replaced.
 */
final class LayerExtractor {
    private static final Logger LOG = Logger.getLogger(LayerExtractor.class.getName());
    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    private static final int MAX_XATTR_VALUE = 64 * 1024;
    private static final long MAX_ID = 0xFFFF_FFFEL; // 0xFFFFFFFF is chown's "leave unchanged"
    private static final long MAX_DEV = 0xFFFF_FFFFL;
    /** File data moves in large writes: a 16 MiB file is 64 syscalls, not the 2,048 of an 8 KiB copy. */
    private static final int COPY_BUFFER = 256 * 1024;

    private final RootedResolver resolver;
    private final Path root;
    private final long maxEntries;
    /** Paths (relative to the root, resolved) this layer wrote, and the times of its directories. */
    private final LayerPaths paths = new LayerPaths();
    /**
     * Parent dirs already resolved, by their path in the layer. Resolving walks and lstats every component;
     * most entries share their parent with the one before. Cleared whenever the layer deletes or replaces
     * anything, or adds a symlink: only then can a resolved path stop being the real directory it was.
     */
    private final Map<List<String>, Path> resolvedDirs = new HashMap<>();
    /** Open while {@link #extract} runs: it holds a native write buffer. */
    private NewFiles newFiles;
    private long entries;

    /**
     * Set when the root is a layer's own dir, built apart from the layers below it: then what the layer asks of
     * those layers (a whiteout, a hardlink to their file) stops the extraction with {@link NeedsLowerLayersException},
     * and the dirs it makes are kept for {@link LayerApplier#fitsOn} to check against them.
     */
    private final boolean apart;
    private final List<Path> dirs = new ArrayList<>();
    /** Past this many entries, a layer built apart goes on only if {@link #mayGrow} says so. */
    private long lightEntries = Long.MAX_VALUE;
    private BooleanSupplier mayGrow = () -> true;

    LayerExtractor(Path root, LayerLimits limits) {
        this(root, limits, false);
    }

    LayerExtractor(Path root, LayerLimits limits, boolean apart) {
        this.root = root;
        this.apart = apart;
        this.resolver = new RootedResolver(root, apart);
        this.maxEntries = limits.maxEntries();
    }

    /**
     * Asks {@code mayGrow} once, when the layer passes {@code entries} entries, whether it may go on: its
     * bookkeeping grows with its entries, and the caller bounds how many large layers are unpacked at once. A no
     * stops the extraction with {@link NeedsLowerLayersException}, for the caller to unpack the layer later.
     */
    void limitGrowth(long entries, BooleanSupplier mayGrow) {
        this.lightEntries = entries;
        this.mayGrow = mayGrow;
    }

    /** The dirs the layer made, implied parents included, relative to the root; kept only when built apart. */
    List<Path> dirsMade() {
        List<Path> all = new ArrayList<>(resolver.implied());
        all.addAll(dirs);
        return all;
    }

    /** The implied parents among {@link #dirsMade()}: their owner and mode come from the layers below. */
    List<Path> impliedDirs() {
        return resolver.implied();
    }

    void extract(TarReader tar) throws IOException {
        try (NewFiles files = new NewFiles(COPY_BUFFER)) {
            newFiles = files;
            extractEntries(tar);
        } finally {
            newFiles = null;
        }
    }

    private void extractEntries(TarReader tar) throws IOException {
        for (TarHeader h = tar.next(); h != null; h = tar.next()) {
            entries++;
            checkEntries();
            if (entries == lightEntries + 1 && !mayGrow.getAsBoolean()) {
                throw new NeedsLowerLayersException("it has more than " + lightEntries
                        + " entries while other large layers are being unpacked");
            }
            try {
                entry(h, tar);
            } catch (ErrnoException e) {
                throw new InvalidArgumentException("cannot apply layer entry '" + h.name() + "': " + e.getMessage(), e);
            }
        }
        checkEntries();
        paths.applyDirTimes(root);
    }

    /** Implied parents count: each costs an inode and bookkeeping like an entry of its own. */
    private void checkEntries() {
        if (entries + resolver.createdDirs() > maxEntries) {
            throw new LayerLimitException(LayerLimits.ENTRIES, maxEntries,
                    "it has more entries (implied parent directories included) than that");
        }
    }

    private void entry(TarHeader h, TarReader tar) throws IOException {
        String name = h.name();
        List<String> parts = RootedResolver.components(name, name);
        if (parts.isEmpty()) {
            if (!h.isDirectory()) {
                throw new UnsafeLayerException(name, "it would replace the root with a non-directory");
            }
            applyMetadata(root, h);
            paths.dirTime(Path.of(""), h.mtime());
            return;
        }
        String base = parts.get(parts.size() - 1);
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        if (base.startsWith(WHITEOUT)) {
            if (apart) {
                throw new NeedsLowerLayersException("entry '" + name + "' is a whiteout");
            }
            whiteout(name, base, parentParts);
            return;
        }
        Path parent = parentDir(parentParts, name);
        Path target = parent.resolve(base);
        Path linkSource = h.type() == TarHeader.HARDLINK ? hardlinkSource(h) : null;
        // Most entries are new: creating with O_EXCL (which also refuses a symlink there) spares an lstat. A new
        // regular file gets its owner, mode and times through the descriptor that wrote it.
        if (h.isRegular() && createRegular(h, tar, target)) {
            applyXattrs(target, h);
            markWritten(target);
            return;
        }
        if (!createNew(h, tar, target)) {
            BasicFileAttributes existing = RootedResolver.lstat(target);
            if (existing != null && !(existing.isDirectory() && h.isDirectory())) {
                // Replace, never write through: what is there may be a link planted to redirect this write.
                TreeDeleter.deleteUnchecked(target);
                resolvedDirs.clear();
            }
            if (h.type() == TarHeader.HARDLINK) {
                if (linkSource.equals(target)) {
                    throw new InvalidArgumentException("layer entry '" + name + "' is a hardlink to itself");
                }
                Files.createLink(target, linkSource);
                markWritten(target);
                return; // a hardlink shares its source's inode and metadata
            }
            create(h, tar, target, existing != null && existing.isDirectory() && h.isDirectory());
        }
        applyMetadata(target, h);
        markWritten(target);
        if (h.isDirectory()) {
            if (apart) {
                dirs.add(root.relativize(target));
            }
            paths.dirTime(root.relativize(target), h.mtime());
        } else {
            NoFollowFiles.setTimesNoFollow(target, h.mtime(), h.mtime());
        }
    }

    private Path parentDir(List<String> parentParts, String name) throws IOException {
        Path known = resolvedDirs.get(parentParts);
        if (known != null) {
            return known;
        }
        Path dir = resolver.resolveDir(parentParts, name, true);
        resolvedDirs.put(List.copyOf(parentParts), dir);
        return dir;
    }

    /**
     * Creates a regular file or directory where nothing is yet; false (nothing created, nothing read)
     * when something is there already, for the caller to replace or reuse.
     */
    private boolean createNew(TarHeader h, TarReader tar, Path target) throws IOException {
        try {
            if (h.isDirectory()) {
                Files.createDirectory(target);
                return true;
            }
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        return false;
    }

    /** A regular file where nothing is yet, complete with owner, mode and times; false when something is there. */
    private boolean createRegular(TarHeader h, TarReader tar, Path target) throws IOException {
        checkOwner(h);
        return newFiles.create(target, tar.content(), (int) h.uid(), (int) h.gid(), h.mode(), h.mtime());
    }

    private void create(TarHeader h, TarReader tar, Path target, boolean dirExists) throws IOException {
        if (h.isDirectory()) {
            if (!dirExists) {
                Files.createDirectory(target);
            }
        } else if (h.isRegular()) {
            if (!createRegular(h, tar, target)) {
                throw new FileAlreadyExistsException(target.toString()); // put there since it was cleared
            }
        } else if (h.type() == TarHeader.SYMLINK) {
            if (h.linkName().isEmpty() || h.linkName().indexOf('\0') >= 0) {
                throw new InvalidArgumentException("layer entry '" + h.name() + "' is a symlink with no valid target");
            }
            // The target is stored, not followed: whoever later resolves it does so inside the root.
            Files.createSymbolicLink(target, Path.of(h.linkName()));
            resolvedDirs.clear();
        } else if (h.type() == TarHeader.CHAR_DEVICE || h.type() == TarHeader.BLOCK_DEVICE) {
            if (h.devMajor() < 0 || h.devMajor() > MAX_DEV || h.devMinor() < 0 || h.devMinor() > MAX_DEV) {
                throw new InvalidArgumentException("layer entry '" + h.name() + "' has invalid device numbers");
            }
            int type = h.type() == TarHeader.CHAR_DEVICE ? NoFollowFiles.S_IFCHR : NoFollowFiles.S_IFBLK;
            NoFollowFiles.mknod(target, type | (h.mode() & 0777), NoFollowFiles.makedev(h.devMajor(), h.devMinor()));
        } else if (h.type() == TarHeader.FIFO) {
            NoFollowFiles.mknod(target, NoFollowFiles.S_IFIFO | (h.mode() & 0777), 0);
        } else {
            throw new InvalidArgumentException("layer entry '" + h.name() + "' has tar type '" + h.type()
                    + "', which image layers do not use");
        }
    }

    private Path hardlinkSource(TarHeader h) throws IOException {
        List<String> parts = RootedResolver.components(h.linkName(), h.name());
        if (parts.isEmpty()) {
            throw new UnsafeLayerException(h.name(), "it is a hardlink to the root directory");
        }
        Path dir = resolver.resolveDir(parts.subList(0, parts.size() - 1), h.name(), false);
        Path source = dir == null ? null : dir.resolve(parts.get(parts.size() - 1));
        BasicFileAttributes attrs = source == null ? null : RootedResolver.lstat(source);
        if (attrs == null && apart) {
            throw new NeedsLowerLayersException("entry '" + h.name() + "' is a hardlink to a file of another layer");
        }
        if (attrs == null) {
            throw new InvalidArgumentException("layer entry '" + h.name() + "' is a hardlink to '" + h.linkName()
                    + "', which does not exist in the layer or below it");
        }
        if (attrs.isDirectory()) {
            throw new UnsafeLayerException(h.name(), "it is a hardlink to a directory");
        }
        return source;
    }

    /** OCI whiteouts: {@code .wh.<name>} deletes name; {@code .wh..wh..opq} hides the dir's lower content. */
    private void whiteout(String entry, String base, List<String> parentParts) throws IOException {
        resolvedDirs.clear();
        Path dir = resolver.resolveDir(parentParts, entry, false);
        if (base.equals(OPAQUE)) {
            if (dir != null) {
                deleteChildrenNotWritten(dir);
            }
            return;
        }
        if (base.startsWith(WHITEOUT + WHITEOUT)) {
            return; // other ".wh..wh." names are AUFS bookkeeping (plnk, aufs): not content
        }
        String victim = base.substring(WHITEOUT.length());
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
            throw new UnsafeLayerException(entry, "it is a whiteout of '" + victim + "'");
        }
        if (dir != null) {
            deleteNotWritten(dir.resolve(victim));
        }
    }

    /** Whiteouts apply to lower layers only: what this layer wrote stays, even below a whited-out dir. */
    private void deleteNotWritten(Path p) throws IOException {
        Path rel = root.relativize(p);
        BasicFileAttributes attrs = RootedResolver.lstat(p);
        boolean written = paths.written(rel);
        if (attrs == null || written && !attrs.isDirectory()) {
            return;
        }
        if (!written && !paths.writtenBelow(rel)) {
            TreeDeleter.deleteUnchecked(p);
        } else if (attrs.isDirectory()) {
            deleteChildrenNotWritten(p);
        }
    }

    private void deleteChildrenNotWritten(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        for (Path child : children) {
            deleteNotWritten(child);
        }
    }

    private void markWritten(Path target) {
        paths.markWritten(root.relativize(target));
    }

    private static void checkOwner(TarHeader h) {
        if (h.uid() < 0 || h.uid() > MAX_ID || h.gid() < 0 || h.gid() > MAX_ID) {
            throw new InvalidArgumentException("layer entry '" + h.name() + "' has owner " + h.uid() + ":" + h.gid()
                    + ", outside the range of ids");
        }
    }

    private void applyMetadata(Path target, TarHeader h) throws IOException {
        checkOwner(h);
        NoFollowFiles.lchown(target, (int) h.uid(), (int) h.gid());
        if (h.type() != TarHeader.SYMLINK) {
            // After chown, which clears setuid and setgid.
            NoFollowFiles.chmodNoFollow(target, h.mode());
        }
        applyXattrs(target, h);
    }

    private static void applyXattrs(Path target, TarHeader h) throws IOException {
        boolean link = h.type() == TarHeader.SYMLINK;
        for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
            if (XattrPolicy.allowed(x.getKey(), link) && x.getValue().length <= MAX_XATTR_VALUE) {
                NoFollowFiles.setXattr(target, x.getKey(), x.getValue());
            } else {
                LOG.fine(() -> "skipping xattr " + x.getKey() + " of layer entry " + h.name());
            }
        }
    }
}
