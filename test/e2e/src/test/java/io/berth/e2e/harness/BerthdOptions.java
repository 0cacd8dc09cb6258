package io.berth.e2e.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to start one berthd: optional config file contents, an optional socket path (default: one in the daemon's
 * own temp dir) and extra flags appended after the harness's {@code --root/--state/--socket}.
 */
public record BerthdOptions(Optional<String> configToml, Optional<Path> socket, List<String> extraArgs) {

    public BerthdOptions {
        extraArgs = List.copyOf(extraArgs);
    }

    public static BerthdOptions defaults() {
        return new BerthdOptions(Optional.empty(), Optional.empty(), List.of());
    }

    public BerthdOptions withConfig(String toml) {
        return new BerthdOptions(Optional.of(toml), socket, extraArgs);
    }

    public BerthdOptions withSocket(Path path) {
        return new BerthdOptions(configToml, Optional.of(path), extraArgs);
    }

    public BerthdOptions withArgs(String... args) {
        List<String> all = new ArrayList<>(extraArgs);
        all.addAll(List.of(args));
        return new BerthdOptions(configToml, socket, all);
    }
}
