package io.berth.server.image.store;

import java.util.List;
import java.util.Map;

/**
 * The parts of an OCI image config that running the image needs, parsed once at pull time and kept with
 * the image record so that CreateContainer never rereads or reparses the blob.
 *
 * @param user         the config's {@code User} ("", "name", "uid", "uid:gid", "name:group")
 * @param env          {@code KEY=value} entries in image order
 * @param entrypoint   the image's entrypoint (may be empty)
 * @param cmd          the image's default arguments (may be empty)
 * @param workingDir   "" when the image names none
 * @param stopSignal   "" when the image names none (the runtime default, SIGTERM, applies)
 * @param labels       image labels
 * @param exposedPorts e.g. {@code 80/tcp}
 * @param diffIds      {@code rootfs.diff_ids}, bottom layer first
 */
public record ImageConfig(
        String os,
        String architecture,
        String user,
        List<String> env,
        List<String> entrypoint,
        List<String> cmd,
        String workingDir,
        String stopSignal,
        Map<String, String> labels,
        List<String> exposedPorts,
        List<String> diffIds) {

    public ImageConfig {
        env = List.copyOf(env);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        labels = Map.copyOf(labels);
        exposedPorts = List.copyOf(exposedPorts);
        diffIds = List.copyOf(diffIds);
    }
}
