package io.berth.snapshotter.fs;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Bytes and inodes under a directory, each inode counted once however many links it has. */
public final class DiskUsage {
    private DiskUsage() {}

    public static Usage of(Path dir) throws IOException {
        Set<String> seen = new HashSet<>();
        long[] bytes = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                count(d);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                count(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A pull or removal running beside the walk deletes files under it; those simply do not count.
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            private void count(Path p) throws IOException {
                Map<String, Object> unix;
                try {
                    unix = Files.readAttributes(p, "unix:dev,ino,size", LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    return;
                }
                if (seen.add(unix.get("dev") + ":" + unix.get("ino"))) {
                    bytes[0] += ((Number) unix.get("size")).longValue();
                }
            }
        });
        return new Usage(bytes[0], seen.size());
    }
}
