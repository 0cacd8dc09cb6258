package io.berth.linux;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/** Deletes a tree without following links out of it and without ever descending into a live mount. */
public final class TreeDeleter {
    private TreeDeleter() {}

    /**
     * Deletes {@code path} and everything below it; a missing path is not an error. Refuses when a mount
     * point sits at or below it: deleting through a mounted overlay would delete the layers under it.
     */
    public static void delete(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> mounted = MountTable.mountPointsUnder(path);
        if (!mounted.isEmpty()) {
            throw new IOException("refusing to delete " + path + ": " + mounted.get(0) + " is still mounted");
        }
        deleteUnchecked(path);
    }

    /** Deletes without consulting the mount table, for trees known to hold no mount (a single entry's). */
    public static void deleteUnchecked(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
