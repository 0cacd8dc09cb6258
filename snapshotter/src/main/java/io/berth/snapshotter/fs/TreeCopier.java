package io.berth.snapshotter.fs;

import io.berth.linux.NoFollowFiles;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a tree so that the copy is indistinguishable to a container: file types (devices and fifos
 * included), numeric owners, all mode bits, times, xattrs, and hardlinks kept as hardlinks. Links are
 * copied as links, never followed. Sockets are skipped: they cannot be copied, only re-created by a
 * listener.
 */
public final class TreeCopier {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private TreeCopier() {}

    /** Copies the contents of {@code from} into {@code to}, which must not exist yet. */
    public static void copy(Path from, Path to) throws IOException {
        Map<String, Path> copiedInodes = new HashMap<>();
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectory(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes basic) throws IOException {
                Path dst = to.resolve(from.relativize(file).toString());
                Map<String, Object> unix = Files.readAttributes(file, "unix:*", NOFOLLOW);
                int mode = (int) unix.get("mode");
                if ((mode & S_IFMT) == S_IFSOCK) {
                    return FileVisitResult.CONTINUE;
                }
                if (!basic.isDirectory() && (int) unix.get("nlink") > 1) {
                    String inode = unix.get("dev") + ":" + unix.get("ino");
                    Path first = copiedInodes.putIfAbsent(inode, dst);
                    if (first != null) {
                        Files.createLink(dst, first);
                        return FileVisitResult.CONTINUE;
                    }
                }
                if (basic.isSymbolicLink()) {
                    Files.createSymbolicLink(dst, Files.readSymbolicLink(file));
                } else if (basic.isRegularFile()) {
                    Files.copy(file, dst, StandardCopyOption.COPY_ATTRIBUTES, NOFOLLOW);
                } else {
                    NoFollowFiles.mknod(dst, mode, (long) unix.get("rdev"));
                }
                copyMetadata(file, dst, unix);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                // After the children: creating them changed the copy's times.
                copyMetadata(dir, to.resolve(from.relativize(dir).toString()),
                        Files.readAttributes(dir, "unix:*", NOFOLLOW));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyMetadata(Path src, Path dst, Map<String, Object> unix) throws IOException {
        boolean link = Files.isSymbolicLink(dst);
        NoFollowFiles.lchown(dst, (int) unix.get("uid"), (int) unix.get("gid"));
        if (!link) {
            // After chown, which clears setuid and setgid.
            NoFollowFiles.chmodNoFollow(dst, (int) unix.get("mode"));
        }
        List<String> names = NoFollowFiles.listXattrs(src);
        for (String name : names) {
            var value = NoFollowFiles.getXattr(src, name);
            if (value.isPresent()) {
                NoFollowFiles.setXattr(dst, name, value.get());
            }
        }
        NoFollowFiles.setTimesNoFollow(dst, ((FileTime) unix.get("lastAccessTime")).toInstant(),
                ((FileTime) unix.get("lastModifiedTime")).toInstant());
    }
}
