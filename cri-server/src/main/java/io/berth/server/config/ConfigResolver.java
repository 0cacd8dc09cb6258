package io.berth.server.config;

import io.berth.common.error.InvalidArgumentException;
import io.berth.netplugin.ip.Cidr;
import io.berth.snapshotter.apply.LayerLimits;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a bound config file into a {@link BerthConfig}: each key's default when the file leaves it out, each
 * key's rule when it is there. The rules live here or in the record they guard, and run key by key into
 * {@link Problems}: loading stops at the first problem, {@code berthd config check} lists them all.
 */
final class ConfigResolver {
    private static final int MAX_SHUTDOWN_GRACE_SECONDS = 3600;
    private static final int MAX_CONCURRENT_DOWNLOADS = 64;
    private static final int MAX_DOWNLOADS_PER_DAEMON = 1024;
    private static final int MAX_STALL_TIMEOUT_SECONDS = 86_400;

    private final Problems problems;

    private ConfigResolver(Problems problems) {
        this.problems = problems;
    }

    static BerthConfig resolve(ConfigFile raw, Problems problems) {
        return new ConfigResolver(problems).config(raw);
    }

    private BerthConfig config(ConfigFile raw) {
        Map<String, RuntimeHandlerConfig> runtimes = runtimes(raw.runtimes);
        return new BerthConfig(
                path("root", raw.root, BerthConfig.DEFAULT_ROOT),
                path("state", raw.state, BerthConfig.DEFAULT_STATE),
                path("socket", raw.socket, BerthConfig.DEFAULT_SOCKET),
                problems.value("log_level", raw.logLevel, BerthConfig.DEFAULT_LOG_LEVEL,
                        level -> LogLevels.check(level, "log_level")),
                between("shutdown_grace_seconds", raw.shutdownGraceSeconds,
                        BerthConfig.DEFAULT_SHUTDOWN_GRACE_SECONDS, 0, MAX_SHUTDOWN_GRACE_SECONDS),
                problems.value("cgroup_driver", raw.cgroupDriver, CgroupDriver.CGROUPFS, CgroupDriver::parse),
                problems.value("default_runtime", raw.defaultRuntime, BerthConfig.DEFAULT_RUNTIME,
                        name -> BerthConfig.checkDefaultRuntime(name, runtimes)),
                runtimes,
                network(Objects.requireNonNullElseGet(raw.network, ConfigFile.NetworkSection::new)),
                metrics(Objects.requireNonNullElseGet(raw.metrics, ConfigFile.MetricsSection::new)),
                image(Objects.requireNonNullElseGet(raw.image, ConfigFile.ImageSection::new)),
                streaming(Objects.requireNonNullElseGet(raw.streaming, ConfigFile.StreamingSection::new)),
                shim(Objects.requireNonNullElseGet(raw.shim, ConfigFile.ShimSection::new)));
    }

    private Map<String, RuntimeHandlerConfig> runtimes(Map<String, ConfigFile.RuntimeSection> raw) {
        Map<String, RuntimeHandlerConfig> runtimes = new LinkedHashMap<>();
        // runc is always there under its own name, so a config that only changes the root still runs pods.
        runtimes.put(BerthConfig.DEFAULT_RUNTIME, new RuntimeHandlerConfig(BerthConfig.DEFAULT_RUNTIME, "runc"));
        if (raw != null) {
            raw.forEach((name, section) -> {
                KeyPath key = KeyPath.ROOT.child("runtimes").child(name).child("binary");
                String binary = problems.value(key, section == null ? null : section.binary, name, b -> {
                    if (b.isBlank()) {
                        throw new ConfigException(key + " must not be empty");
                    }
                    return b;
                });
                runtimes.put(name, new RuntimeHandlerConfig(name, binary));
            });
        }
        return runtimes;
    }

    private NetworkConfig network(ConfigFile.NetworkSection raw) {
        NetworkConfig d = NetworkConfig.defaults();
        return new NetworkConfig(
                problems.value("network.plugin", raw.plugin, d.plugin(), plugin -> {
                    if (!plugin.equals("bridge") && !plugin.equals("cni")) {
                        throw new ConfigException("network.plugin must be \"bridge\" or \"cni\", not '" + plugin
                                + "'");
                    }
                    return plugin;
                }),
                problems.value("network.bridge", raw.bridge, d.bridge(), bridge -> {
                    if (!bridge.matches("[A-Za-z0-9_-]{1,15}")) {
                        throw new ConfigException("network.bridge '" + bridge
                                + "' must be 1-15 letters, digits, '-' or '_'");
                    }
                    return bridge;
                }),
                problems.value("network.subnet", raw.subnet, d.subnet(), s -> podRange(s, "network.subnet", false)),
                problems.value("network.ipv6_subnet", raw.ipv6Subnet, d.ipv6Subnet(),
                        s -> Optional.of(podRange(s, "network.ipv6_subnet", true))),
                problems.value("network.mtu", raw.mtu, d.mtu(), mtu -> {
                    if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
                        throw new ConfigException("network.mtu must be 0 (kernel default) or 576-65535, not " + mtu);
                    }
                    return mtu;
                }),
                Objects.requireNonNullElse(raw.allowEgress, d.allowEgress()),
                path("network.cni_conf_dir", raw.cniConfDir, d.cniConfDir()),
                problems.value("network.cni_bin_dirs", raw.cniBinDirs, d.cniBinDirs(), dirs -> {
                    List<Path> paths = new ArrayList<>();
                    for (String dir : dirs) {
                        paths.add(absolutePath(dir, "network.cni_bin_dirs"));
                    }
                    return paths;
                }));
    }

    /**
     * A range must hold its network address, the bridge's gateway and at least one pod. Checked here, with the
     * key named, rather than when the bridge plugin first gets the range.
     */
    private static String podRange(String text, String key, boolean ipv6) {
        Cidr range;
        try {
            range = Cidr.parse(text, key);
        } catch (InvalidArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (range.isIpv6() != ipv6) {
            throw new ConfigException(ipv6 ? key + " must be an IPv6 range"
                    : key + " must be IPv4; use network.ipv6_subnet for IPv6");
        }
        int longestPrefix = ipv6 ? 126 : 30;
        if (range.prefixLength() > longestPrefix) {
            throw new ConfigException(key + " " + text + " is too small: pods need at least a /" + longestPrefix
                    + " (network address, gateway and one pod)");
        }
        return text;
    }

    private MetricsConfig metrics(ConfigFile.MetricsSection raw) {
        // As in containerd, naming an address asks for metrics there; enabled = false still turns them off.
        boolean enabled = raw.enabled != null ? raw.enabled : raw.address != null;
        return new MetricsConfig(enabled, problems.value("metrics.address", raw.address,
                MetricsConfig.DEFAULT.address(), MetricsConfig::parseAddress));
    }

    private ImageSettings image(ConfigFile.ImageSection raw) {
        ImageSettings d = ImageSettings.defaults();
        LayerLimits limits = d.layerLimits();
        // Lower bounds on layers keep a typo from refusing every image; upper ones are what a long or an int holds.
        return new ImageSettings(
                problems.value("image.snapshotter", raw.snapshotter, d.snapshotter(), snapshotter -> {
                    if (!List.of("auto", "overlayfs", "native").contains(snapshotter)) {
                        throw new ConfigException("image.snapshotter must be auto, overlayfs or native, not '"
                                + snapshotter + "'");
                    }
                    return snapshotter;
                }),
                between("image.max_concurrent_downloads", raw.maxConcurrentDownloads, d.maxConcurrentDownloads(), 1,
                        MAX_CONCURRENT_DOWNLOADS),
                Duration.ofSeconds(between("image.stall_timeout_seconds", raw.stallTimeoutSeconds,
                        ImageSettings.DEFAULT_STALL_TIMEOUT_SECONDS, 1, MAX_STALL_TIMEOUT_SECONDS)),
                path("image.registry_config_dir", raw.registryConfigDir, d.registryConfigDir()),
                new LayerLimits(
                        between("image." + LayerLimits.ENTRIES, raw.layerMaxEntries, limits.maxEntries(), 1_000,
                                Long.MAX_VALUE),
                        between("image." + LayerLimits.UNCOMPRESSED_BYTES, raw.layerMaxUncompressedBytes,
                                limits.maxUncompressedBytes(), 1L << 20, Long.MAX_VALUE),
                        between("image." + LayerLimits.PAX_BYTES, raw.layerMaxPaxBytes, limits.maxPaxBytes(),
                                1L << 20, Long.MAX_VALUE),
                        between("image." + LayerLimits.PATH_BYTES, raw.layerMaxPathBytes, limits.maxPathBytes(),
                                256, 1 << 20)),
                // 0 turns the rule off; see ImageSettings for why 1 KiB/s is the default.
                between("image.min_download_rate_bytes_per_second", raw.minDownloadRateBytesPerSecond,
                        d.minDownloadRate(), 0, ImageSettings.MAX_MIN_DOWNLOAD_RATE),
                between("image.max_concurrent_downloads_per_daemon", raw.maxConcurrentDownloadsPerDaemon,
                        d.maxDownloadsPerDaemon(), 1, MAX_DOWNLOADS_PER_DAEMON));
    }

    private StreamingConfig streaming(ConfigFile.StreamingSection raw) {
        StreamingConfig d = StreamingConfig.defaults();
        int problemsBefore = problems.count();
        String address = problems.value("streaming.address", raw.address, d.address(), StreamingConfig::checkAddress);
        int port = problems.value("streaming.port", raw.port, d.port(), StreamingConfig::checkPort);
        Path cert = path("streaming.tls_cert_file", raw.tlsCertFile, null);
        Path key = path("streaming.tls_key_file", raw.tlsKeyFile, null);
        Duration idle = problems.value("streaming.idle_timeout_seconds", raw.idleTimeoutSeconds, d.idleTimeout(),
                s -> StreamingConfig.checkIdleTimeout(Duration.ofSeconds(s)));
        Duration creation = problems.value("streaming.stream_creation_timeout_seconds",
                raw.streamCreationTimeoutSeconds, d.streamCreationTimeout(),
                s -> StreamingConfig.checkStreamCreationTimeout(Duration.ofSeconds(s)));
        Duration ttl = problems.value("streaming.token_ttl_seconds", raw.tokenTtlSeconds, d.tokenTtl(),
                s -> StreamingConfig.checkTokenTtl(Duration.ofSeconds(s)));
        if (problems.count() > problemsBefore) {
            // The rules across keys need each key valid; the section is refused already.
            return d;
        }
        KeyPath pair = KeyPath.of(raw.tlsCertFile != null ? "streaming.tls_cert_file" : "streaming.tls_key_file");
        return problems.checked(pair, () -> new StreamingConfig(address, port, cert, key, idle, creation, ttl), d);
    }

    private ShimSettings shim(ConfigFile.ShimSection raw) {
        ShimSettings d = ShimSettings.DEFAULT;
        return new ShimSettings(
                problems.value("shim.group", raw.group, d.group(), ShimSettings::checkGroup),
                problems.value("shim.memory_limit_bytes", raw.memoryLimitBytes, d.memoryLimitBytes(),
                        ShimSettings::checkMemoryLimit),
                problems.value("shim.runtime_timeout_seconds", raw.runtimeTimeoutSeconds, d.runtimeTimeoutSeconds(),
                        ShimSettings::checkRuntimeTimeout));
    }

    private int between(String key, Integer raw, int fallback, int min, int max) {
        return (int) between(key, raw == null ? null : raw.longValue(), fallback, min, max);
    }

    private long between(String key, Long raw, long fallback, long min, long max) {
        return problems.value(key, raw, fallback, v -> {
            if (v < min || v > max) {
                throw new ConfigException(key + " must be between " + min + " and " + max + ", not " + v);
            }
            return v;
        });
    }

    private Path path(String key, String raw, Path fallback) {
        return problems.value(key, raw, fallback, value -> absolutePath(value, key));
    }

    private static Path absolutePath(String value, String key) {
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ConfigException(key + " is not a usable path: " + e.getReason());
        }
        if (!p.isAbsolute()) {
            throw new ConfigException(key + " must be an absolute path, not '" + value + "'");
        }
        return p.normalize();
    }
}
