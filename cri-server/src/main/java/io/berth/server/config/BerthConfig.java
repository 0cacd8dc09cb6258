package io.berth.server.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The effective daemon configuration: file values over defaults, command-line flags over both. Immutable;
 * the pod CIDR that kubelet sends later lives in runtime state, not here.
 */
public record BerthConfig(
        Path root,
        Path state,
        Path socket,
        String logLevel,
        int shutdownGraceSeconds,
        CgroupDriver cgroupDriver,
        String defaultRuntime,
        Map<String, RuntimeHandlerConfig> runtimes,
        NetworkConfig network,
        MetricsConfig metrics,
        ImageSettings image,
        StreamingConfig streaming,
        ShimSettings shim) {

    public static final Path DEFAULT_ROOT = Path.of("/var/lib/berth");
    public static final Path DEFAULT_STATE = Path.of("/run/berth");
    public static final Path DEFAULT_SOCKET = Path.of("/run/berth/berth.sock");
    public static final String DEFAULT_LOG_LEVEL = "info";
    public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
    public static final String DEFAULT_RUNTIME = "runc";

    public BerthConfig {
        Objects.requireNonNull(root);
        Objects.requireNonNull(state);
        Objects.requireNonNull(socket);
        Objects.requireNonNull(network);
        Objects.requireNonNull(metrics);
        Objects.requireNonNull(image);
        Objects.requireNonNull(streaming);
        Objects.requireNonNull(shim);
        // Insertion order is the config file's order, which Status lists handlers in.
        runtimes = Collections.unmodifiableMap(new LinkedHashMap<>(runtimes));
        checkDefaultRuntime(defaultRuntime, runtimes);
    }

    static String checkDefaultRuntime(String name, Map<String, RuntimeHandlerConfig> runtimes) {
        if (!runtimes.containsKey(name)) {
            throw new ConfigException("default_runtime '" + name + "' has no [runtimes." + name
                    + "] section and is not a built-in handler");
        }
        return name;
    }

    /** The handler used when a pod names none. */
    public RuntimeHandlerConfig defaultHandler() {
        return runtimes.get(defaultRuntime);
    }

    public BerthConfig withPaths(Path newRoot, Path newState, Path newSocket) {
        return new BerthConfig(newRoot, newState, newSocket, logLevel, shutdownGraceSeconds, cgroupDriver,
                defaultRuntime, runtimes, network, metrics, image, streaming, shim);
    }

    public BerthConfig withLogLevel(String level) {
        return new BerthConfig(root, state, socket, LogLevels.check(level, "--log-level"), shutdownGraceSeconds,
                cgroupDriver, defaultRuntime, runtimes, network, metrics, image, streaming, shim);
    }

    public BerthConfig withImage(ImageSettings newImage) {
        return new BerthConfig(root, state, socket, logLevel, shutdownGraceSeconds, cgroupDriver, defaultRuntime,
                runtimes, network, metrics, newImage, streaming, shim);
    }

    public BerthConfig withStreaming(StreamingConfig newStreaming) {
        return new BerthConfig(root, state, socket, logLevel, shutdownGraceSeconds, cgroupDriver, defaultRuntime,
                runtimes, network, metrics, image, newStreaming, shim);
    }

    public BerthConfig withShim(ShimSettings newShim) {
        return new BerthConfig(root, state, socket, logLevel, shutdownGraceSeconds, cgroupDriver, defaultRuntime,
                runtimes, network, metrics, image, streaming, newShim);
    }
}
