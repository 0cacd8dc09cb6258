package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup hierarchies this process sees, read from a mountinfo file: the cgroup2 mount (if any) and the
 * v1 hierarchies by controller. The layout follows from what is mounted where.
 */
public record CgroupMounts(CgroupLayout layout, Optional<CgroupMount> unified, Map<String, CgroupMount> v1) {

    /** v1 superblock options that are not controller names. */
    private static final Set<String> NOT_CONTROLLERS = Set.of("rw", "ro", "noprefix", "clone_children",
            "xattr", "cpuset_v2_mode", "favordynmods");

    public CgroupMounts {
        v1 = Map.copyOf(v1);
    }

    /** Reads {@code <procRoot>/self/mountinfo}; {@code procRoot} is {@code /proc} except in tests. */
    public static CgroupMounts read(Path procRoot) throws IOException {
        return parse(Files.readString(procRoot.resolve("self/mountinfo"), StandardCharsets.UTF_8));
    }

    /**
     * Parses mountinfo text (proc(5)): {@code id parent maj:min root mountpoint options [optional...] - fstype
     * source superoptions}. A v1 hierarchy names its controllers in the superoptions ({@code rw,cpu,cpuacct}).
     */
    public static CgroupMounts parse(String mountinfo) {
        CgroupMount unified = null;
        Map<String, CgroupMount> v1 = new LinkedHashMap<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            int dash = indexOfSeparator(fields);
            if (dash < 5 || dash + 3 >= fields.length) {
                continue;
            }
            String fsType = fields[dash + 1];
            CgroupMount mount = new CgroupMount(Path.of(unescape(fields[4])), unescape(fields[3]));
            if (fsType.equals("cgroup2")) {
                // The first cgroup2 mount wins; later ones are usually bind mounts of subtrees into containers.
                if (unified == null) {
                    unified = mount;
                }
            } else if (fsType.equals("cgroup")) {
                for (String option : fields[dash + 3].split(",")) {
                    if (!NOT_CONTROLLERS.contains(option) && !option.startsWith("name=")
                            && !option.startsWith("release_agent=")) {
                        v1.putIfAbsent(option, mount);
                    }
                }
            }
        }
        CgroupLayout layout;
        if (v1.isEmpty() && unified != null) {
            layout = CgroupLayout.UNIFIED;
        } else if (!v1.isEmpty() && unified != null) {
            layout = CgroupLayout.HYBRID;
        } else if (!v1.isEmpty()) {
            layout = CgroupLayout.LEGACY;
        } else {
            throw new IllegalStateException("no cgroup or cgroup2 filesystem is mounted");
        }
        return new CgroupMounts(layout, Optional.ofNullable(unified), v1);
    }

    /** The v1 hierarchy holding {@code controller}, if one is mounted. */
    public Optional<CgroupMount> controller(String controller) {
        return Optional.ofNullable(v1.get(controller));
    }

    private static int indexOfSeparator(String[] fields) {
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                return i;
            }
        }
        return -1;
    }

    /** The kernel writes space, tab, newline and backslash in mountinfo paths as three-digit octal escapes. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 4 <= field.length() && isOctal(field.substring(i + 1, i + 4))) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String digits) {
        return digits.length() == 3 && digits.chars().allMatch(d -> d >= '0' && d <= '7');
    }
}
