package io.berth.e2e.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to start one berthd: optional config file contents, an optional socket path (default: one in the daemon's
 * own temp dir), extra flags appended after the harness's {@code --root/--state/--socket}, and JVM flags for the
 * launcher's BERTH_JAVA_OPTS (test-only switches such as a fail point), kept across restarts.
 */
public record BerthdOptions(Optional<String> configToml, Optional<Path> socket, List<String> extraArgs,
        List<String> jvmFlags) {

    public BerthdOptions {
        extraArgs = List.copyOf(extraArgs);
        jvmFlags = List.copyOf(jvmFlags);
    }

    public static BerthdOptions defaults() {
        return new BerthdOptions(Optional.empty(), Optional.empty(), List.of(), List.of());
    }

    public BerthdOptions withConfig(String toml) {
        return new BerthdOptions(Optional.of(toml), socket, extraArgs, jvmFlags);
    }

    public BerthdOptions withSocket(Path path) {
        return new BerthdOptions(configToml, Optional.of(path), extraArgs, jvmFlags);
    }

    public BerthdOptions withArgs(String... args) {
        List<String> all = new ArrayList<>(extraArgs);
        all.addAll(List.of(args));
        return new BerthdOptions(configToml, socket, all, jvmFlags);
    }

    public BerthdOptions withJvmFlags(String... flags) {
        List<String> all = new ArrayList<>(jvmFlags);
        all.addAll(List.of(flags));
        return new BerthdOptions(configToml, socket, extraArgs, all);
    }
}
