package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Bytes read and written by a cgroup, summed over its block devices. */
record IoBytes(long read, long written) {

    /**
     * v2 {@code io.stat}: one line per device, {@code 8:0 rbytes=1024 wbytes=0 rios=1 wios=0 dbytes=0 dios=0}.
     * An existing but empty file means no I/O yet: zero, not absent.
     */
    static Optional<IoBytes> fromIoStat(Path file) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        long read = 0;
        long written = 0;
        for (String line : text.get().split("\n")) {
            for (String field : line.trim().split("\\s+")) {
                int eq = field.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = field.substring(0, eq);
                if (key.equals("rbytes")) {
                    read += Long.parseLong(field.substring(eq + 1));
                } else if (key.equals("wbytes")) {
                    written += Long.parseLong(field.substring(eq + 1));
                }
            }
        }
        return Optional.of(new IoBytes(read, written));
    }

    /**
     * v1 {@code blkio.throttle.io_service_bytes[_recursive]}: {@code 8:0 Read 4096}, {@code 8:0 Write 0},
     * {@code 8:0 Sync ...}, {@code 8:0 Async ...}, {@code 8:0 Discard ...}, {@code 8:0 Total ...}, and a last
     * line {@code Total N}. Only the per-device Read and Write lines are summed.
     */
    static Optional<IoBytes> fromBlkio(Path file) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        long read = 0;
        long written = 0;
        for (String line : text.get().split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length != 3) {
                continue;
            }
            if (fields[1].equals("Read")) {
                read += Long.parseLong(fields[2]);
            } else if (fields[1].equals("Write")) {
                written += Long.parseLong(fields[2]);
            }
        }
        return Optional.of(new IoBytes(read, written));
    }
}
