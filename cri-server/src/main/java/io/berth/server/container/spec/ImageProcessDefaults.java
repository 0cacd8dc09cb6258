package io.berth.server.container.spec;

import java.util.List;

/**
 * The parts of an OCI image's {@code config} that shape the container's process. Every value comes from the
 * image and is hostile: the spec builder validates it as it would a request field.
 *
 * @param user       {@code User}: empty, {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}
 * @param env        {@code Env}: {@code KEY=value} strings
 * @param entrypoint {@code Entrypoint}
 * @param cmd        {@code Cmd}
 * @param workingDir {@code WorkingDir}; empty means unset
 * @param stopSignal {@code StopSignal}; empty means unset (not used in the spec itself)
 */
public record ImageProcessDefaults(
        String user, List<String> env, List<String> entrypoint, List<String> cmd, String workingDir,
        String stopSignal) {

    public ImageProcessDefaults {
        user = user == null ? "" : user;
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        workingDir = workingDir == null ? "" : workingDir;
        stopSignal = stopSignal == null ? "" : stopSignal;
    }

    public static ImageProcessDefaults empty() {
        return new ImageProcessDefaults("", List.of(), List.of(), List.of(), "", "");
    }
}
