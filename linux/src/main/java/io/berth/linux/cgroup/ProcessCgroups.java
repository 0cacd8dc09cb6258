package io.berth.linux.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The cgroups of one process, from {@code /proc/<pid>/cgroup}: one line per hierarchy,
 * {@code hierarchy-id:controller-list:path}. The cgroup2 line is {@code 0::/path}; v1 lines name their
 * controllers ({@code 4:memory:/kubepods/pod1/c1}, {@code 2:cpu,cpuacct:/...}, {@code 9:name=systemd:/...}).
 */
public record ProcessCgroups(Map<String, String> v1Paths, Optional<String> unifiedPath) {

    public ProcessCgroups {
        v1Paths = Map.copyOf(v1Paths);
    }

    /** The same path in every hierarchy, as the cgroupfs and systemd drivers both place a container. */
    public static ProcessCgroups samePathEverywhere(String path, CgroupMounts mounts) {
        Map<String, String> paths = new LinkedHashMap<>();
        mounts.v1().keySet().forEach(controller -> paths.put(controller, path));
        return new ProcessCgroups(paths, Optional.of(path));
    }

    /** Reads {@code <procRoot>/<pid>/cgroup}. */
    public static ProcessCgroups ofProcess(Path procRoot, int pid) throws IOException {
        return parse(Files.readString(procRoot.resolve(Integer.toString(pid)).resolve("cgroup"),
                StandardCharsets.UTF_8));
    }

    public static ProcessCgroups parse(String text) {
        Map<String, String> paths = new LinkedHashMap<>();
        String unified = null;
        for (String line : text.split("\n")) {
            // The path may itself contain ':', so split into at most three fields.
            String[] fields = line.split(":", 3);
            if (fields.length != 3) {
                continue;
            }
            if (fields[0].equals("0") && fields[1].isEmpty()) {
                unified = fields[2];
                continue;
            }
            for (String controller : fields[1].split(",")) {
                if (!controller.isEmpty() && !controller.startsWith("name=")) {
                    paths.put(controller, fields[2]);
                }
            }
        }
        return new ProcessCgroups(paths, Optional.ofNullable(unified));
    }

    /** The path of the process in the v1 hierarchy of {@code controller}, if it has one. */
    public Optional<String> v1Path(String controller) {
        return Optional.ofNullable(v1Paths.get(controller));
    }
}
