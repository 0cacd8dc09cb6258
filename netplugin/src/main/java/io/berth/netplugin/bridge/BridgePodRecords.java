package io.berth.netplugin.bridge;

import io.berth.common.io.AtomicFiles;
import io.berth.common.json.VersionedJson;
import io.berth.netplugin.HostPortMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/** The bridge plugin's pod records: one versioned JSON file per pod, written atomically. */
final class BridgePodRecords {
    private static final Logger LOG = Logger.getLogger(BridgePodRecords.class.getName());
    private static final int VERSION = 1;

    private final Path dir;

    BridgePodRecords(Path dir) {
        this.dir = dir;
    }

    void write(BridgePodRecord record) throws IOException {
        VersionedJson.write(file(record.podId()), VERSION, record);
    }

    Optional<BridgePodRecord> read(String podId) throws IOException {
        try {
            return Optional.of(VersionedJson.read(file(podId), BridgePodRecord.class, VERSION));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Temp files of writes cut short by a crash; call at start, before any write. */
    void removeTempLeftovers() throws IOException {
        AtomicFiles.removeLeftovers(dir);
    }

    void delete(String podId) throws IOException {
        Files.deleteIfExists(file(podId));
    }

    /** Every readable record; an unreadable one is logged and skipped so that one bad file blocks nothing. */
    List<BridgePodRecord> all() throws IOException {
        List<BridgePodRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    out.add(VersionedJson.read(f, BridgePodRecord.class, VERSION));
                } catch (NoSuchFileException raced) {
                    // removed by a concurrent tear-down
                } catch (IOException e) {
                    LOG.warning("skipping unreadable pod network record: " + e.getMessage());
                }
            }
        }
        return out;
    }

    static String encode(HostPortMapping m) {
        return m.protocol().name() + ":" + m.containerPort() + ":" + m.hostPort() + ":" + m.hostIp();
    }

    static HostPortMapping decode(String s) {
        String[] parts = s.split(":", 4);
        return HostPortMapping.of(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), parts[3],
                "recorded port mapping");
    }

    private Path file(String podId) {
        if (!podId.matches("[A-Za-z0-9_.-]{1,128}") || podId.startsWith(".")) {
            throw new IllegalArgumentException("pod id '" + podId + "' cannot name a record file");
        }
        return dir.resolve(podId + ".json");
    }
}
