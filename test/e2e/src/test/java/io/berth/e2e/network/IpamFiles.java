package io.berth.e2e.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a host-local style IPAM directory, the layout both berth's IPAM and CNI's host-local use: one
 * file per allocated address, named by the address, whose first line is the holder's id.
 */
final class IpamFiles {
    private IpamFiles() {}

    /** Address → holder; empty when the directory does not exist. */
    static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> out = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.matches("[0-9.]+|[0-9a-f:]+")) {
                    continue;
                }
                try {
                    String content = Files.readString(f);
                    out.put(name, content.lines().findFirst().orElse("").trim());
                } catch (NoSuchFileException released) {
                    // Released between list and read.
                }
            }
        }
        return out;
    }
}
