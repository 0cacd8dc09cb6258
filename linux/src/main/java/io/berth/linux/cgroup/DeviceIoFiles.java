package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Per-device I/O counters, as cAdvisor's {@code container_blkio_device_usage_total} and {@code container_fs_*}
 * series need them. The kernel lists only devices the cgroup did I/O on, but how many that is depends on what
 * the container was given, so at most {@link #MAX_ENTRIES} entries are kept and a longer file reads as unknown.
 */
final class DeviceIoFiles {
    static final int MAX_ENTRIES = 4096;

    /** v2 io.stat keys for bytes, named as v1 and libcontainer name the operations. */
    static final Map<String, String> V2_BYTES = Map.of("rbytes", "Read", "wbytes", "Write", "dbytes", "Discard");
    /** v2 io.stat keys for operations. */
    static final Map<String, String> V2_OPS = Map.of("rios", "Read", "wios", "Write", "dios", "Discard");

    private DeviceIoFiles() {}

    /**
     * v1 {@code blkio.throttle.io_service_bytes} / {@code io_serviced} (either, {@code _recursive} or not):
     * {@code 8:0 Read 4096} per device and operation, then a device-less {@code Total N}, which is skipped.
     */
    static Optional<List<DeviceIo>> fromBlkio(Path file) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        List<DeviceIo> out = new ArrayList<>();
        for (String line : text.get().split("\n")) {
            String[] fields = line.trim().split("\\s+");
            Optional<long[]> device = fields.length == 3 ? device(fields[0]) : Optional.empty();
            if (device.isEmpty()) {
                continue;
            }
            if (out.size() == MAX_ENTRIES) {
                return Optional.empty();
            }
            OptionalLong value = parse(fields[2]);
            if (value.isPresent()) {
                out.add(new DeviceIo(device.get()[0], device.get()[1], fields[1], value.getAsLong()));
            }
        }
        return Optional.of(out);
    }

    /** v2 {@code io.stat}: {@code 8:0 rbytes=1 wbytes=2 rios=3 ...}; the keys in {@code ops} become entries. */
    static Optional<List<DeviceIo>> fromIoStat(Path file, Map<String, String> ops) throws IOException {
        Optional<String> text = CgroupFiles.read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        List<DeviceIo> out = new ArrayList<>();
        for (String line : text.get().split("\n")) {
            String[] fields = line.trim().split("\\s+");
            Optional<long[]> device = device(fields[0]);
            if (device.isEmpty()) {
                continue;
            }
            for (int i = 1; i < fields.length; i++) {
                int eq = fields[i].indexOf('=');
                String op = eq < 0 ? null : ops.get(fields[i].substring(0, eq));
                OptionalLong value = op == null ? OptionalLong.empty() : parse(fields[i].substring(eq + 1));
                if (value.isEmpty()) {
                    continue;
                }
                if (out.size() == MAX_ENTRIES) {
                    return Optional.empty();
                }
                out.add(new DeviceIo(device.get()[0], device.get()[1], op, value.getAsLong()));
            }
        }
        return Optional.of(out);
    }

    /** A u64 counter beyond LONG_MAX costs its own entry, not the whole reading. */
    private static OptionalLong parse(String value) {
        try {
            return OptionalLong.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<long[]> device(String field) {
        int colon = field.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new long[] {Long.parseLong(field.substring(0, colon)),
                Long.parseLong(field.substring(colon + 1))});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
