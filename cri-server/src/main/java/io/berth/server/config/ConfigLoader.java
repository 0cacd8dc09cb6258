package io.berth.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.berth.snapshotter.apply.LayerLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads config.toml (optional) into a {@link BerthConfig}, filling every missing key with its default. */
public final class ConfigLoader {
    private static final TomlMapper MAPPER = TomlMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ConfigLoader() {}

    /** The configuration with every key at its default, as when no file is given. */
    public static BerthConfig defaults() {
        return resolve(new ConfigFile(), "defaults");
    }

    /** Loads the file; a file that does not exist is an error here, since the operator named it. */
    public static BerthConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config " + file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static BerthConfig parse(String toml, String source) {
        ConfigFile raw;
        try {
            raw = MAPPER.readValue(toml, ConfigFile.class);
        } catch (UnrecognizedPropertyException e) {
            String where = where(e.getLocation());
            if (where.isEmpty()) {
                where = lineOfKey(toml, e.getPropertyName());
            }
            throw new ConfigException("config " + source + where + ": unknown key '" + keyPath(e) + "'", e);
        } catch (JsonMappingException e) {
            throw new ConfigException("config " + source + where(e.getLocation()) + ": key '" + keyPath(e)
                    + "' has the wrong type: " + e.getOriginalMessage().split("\n")[0], e);
        } catch (JacksonException e) {
            throw new ConfigException("config " + source + where(e.getLocation()) + ": not valid TOML: "
                    + e.getOriginalMessage().split("\n")[0], e);
        }
        return resolve(raw == null ? new ConfigFile() : raw, "config " + source);
    }

    private static BerthConfig resolve(ConfigFile raw, String where) {
        Map<String, RuntimeHandlerConfig> runtimes = new LinkedHashMap<>();
        // runc is always there under its own name, so a config that only changes the root still runs pods.
        runtimes.put(BerthConfig.DEFAULT_RUNTIME, new RuntimeHandlerConfig(BerthConfig.DEFAULT_RUNTIME, "runc"));
        if (raw.runtimes != null) {
            raw.runtimes.forEach((name, section) -> {
                String binary = section == null || section.binary == null ? name : section.binary;
                if (binary.isBlank()) {
                    throw new ConfigException(where + ": runtimes." + name + ".binary must not be empty");
                }
                runtimes.put(name, new RuntimeHandlerConfig(name, binary));
            });
        }
        int grace = raw.shutdownGraceSeconds == null
                ? BerthConfig.DEFAULT_SHUTDOWN_GRACE_SECONDS : raw.shutdownGraceSeconds;
        if (grace < 0 || grace > 3600) {
            throw new ConfigException(where + ": shutdown_grace_seconds must be between 0 and 3600, not " + grace);
        }
        return new BerthConfig(
                path(raw.root, BerthConfig.DEFAULT_ROOT, "root", where),
                path(raw.state, BerthConfig.DEFAULT_STATE, "state", where),
                path(raw.socket, BerthConfig.DEFAULT_SOCKET, "socket", where),
                LogLevels.check(orDefault(raw.logLevel, BerthConfig.DEFAULT_LOG_LEVEL), where),
                grace,
                raw.cgroupDriver == null ? CgroupDriver.CGROUPFS : CgroupDriver.parse(raw.cgroupDriver, where),
                orDefault(raw.defaultRuntime, BerthConfig.DEFAULT_RUNTIME),
                runtimes,
                network(raw.network, where),
                metrics(raw.metrics, where),
                image(raw.image, where),
                streaming(raw.streaming, where),
                shim(raw.shim, where));
    }

    private static ShimSettings shim(ConfigFile.ShimSection raw, String where) {
        if (raw == null) {
            return ShimSettings.DEFAULT;
        }
        try {
            return new ShimSettings(orDefault(raw.group, ShimSettings.DEFAULT.group()),
                    raw.memoryLimitBytes == null ? ShimSettings.DEFAULT_MEMORY_LIMIT : raw.memoryLimitBytes);
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    private static NetworkConfig network(ConfigFile.NetworkSection raw, String where) {
        NetworkConfig d = NetworkConfig.defaults();
        if (raw == null) {
            return d;
        }
        String plugin = orDefault(raw.plugin, d.plugin());
        if (!plugin.equals("bridge") && !plugin.equals("cni")) {
            throw new ConfigException(where + ": network.plugin must be \"bridge\" or \"cni\", not '" + plugin + "'");
        }
        int mtu = raw.mtu == null ? d.mtu() : raw.mtu;
        if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
            throw new ConfigException(where + ": network.mtu must be 0 (kernel default) or 576-65535, not " + mtu);
        }
        String bridge = orDefault(raw.bridge, d.bridge());
        if (!bridge.matches("[A-Za-z0-9_-]{1,15}")) {
            throw new ConfigException(where + ": network.bridge '" + bridge
                    + "' must be 1-15 letters, digits, '-' or '_'");
        }
        java.util.List<Path> binDirs = new java.util.ArrayList<>();
        if (raw.cniBinDirs == null) {
            binDirs.addAll(d.cniBinDirs());
        } else {
            for (String dir : raw.cniBinDirs) {
                binDirs.add(path(dir, null, "network.cni_bin_dirs", where));
            }
        }
        String subnet = orDefault(raw.subnet, d.subnet());
        try {
            io.berth.netplugin.ip.Cidr v4 = io.berth.netplugin.ip.Cidr.parse(subnet, "network.subnet");
            if (v4.isIpv6()) {
                throw new ConfigException(where + ": network.subnet must be IPv4; use network.ipv6_subnet for IPv6");
            }
            requireRoomForPods(v4, subnet, 30, "network.subnet", where);
            if (raw.ipv6Subnet != null) {
                io.berth.netplugin.ip.Cidr v6 = io.berth.netplugin.ip.Cidr.parse(raw.ipv6Subnet, "network.ipv6_subnet");
                if (!v6.isIpv6()) {
                    throw new ConfigException(where + ": network.ipv6_subnet must be an IPv6 range");
                }
                requireRoomForPods(v6, raw.ipv6Subnet, 126, "network.ipv6_subnet", where);
            }
        } catch (io.berth.common.error.InvalidArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
        return new NetworkConfig(plugin, bridge, subnet,
                java.util.Optional.ofNullable(raw.ipv6Subnet), mtu,
                raw.allowEgress == null ? d.allowEgress() : raw.allowEgress,
                path(raw.cniConfDir, d.cniConfDir(), "network.cni_conf_dir", where), binDirs);

    }

    /**
     * A range must hold its network address, the bridge's gateway and at least one pod. Checked here, with
     * the key and file named, rather than when the bridge plugin first gets the range.
     */
    private static void requireRoomForPods(io.berth.netplugin.ip.Cidr range, String text, int longestPrefix,
            String key, String where) {
        if (range.prefixLength() > longestPrefix) {
            throw new ConfigException(where + ": " + key + " " + text + " is too small: pods need at least a /"
                    + longestPrefix + " (network address, gateway and one pod)");
        }
    }

    private static MetricsConfig metrics(ConfigFile.MetricsSection section, String where) {
        if (section == null) {
            return MetricsConfig.DEFAULT;
        }
        // As in containerd, naming an address asks for metrics there; enabled = false still turns them off.
        boolean enabled = section.enabled != null ? section.enabled : section.address != null;
        return new MetricsConfig(enabled, section.address == null
                ? MetricsConfig.DEFAULT.address() : MetricsConfig.parseAddress(section.address, where));

    }

    private static ImageSettings image(ConfigFile.ImageSection raw, String where) {
        ImageSettings defaults = ImageSettings.defaults();
        if (raw == null) {
            return defaults;
        }
        String snapshotter = orDefault(raw.snapshotter, defaults.snapshotter());
        if (!java.util.List.of("auto", "overlayfs", "native").contains(snapshotter)) {
            throw new ConfigException(where + ": image.snapshotter must be auto, overlayfs or native, not '"
                    + snapshotter + "'");
        }
        int downloads = raw.maxConcurrentDownloads == null
                ? defaults.maxConcurrentDownloads() : raw.maxConcurrentDownloads;
        if (downloads < 1 || downloads > 64) {
            throw new ConfigException(where + ": image.max_concurrent_downloads must be between 1 and 64, not "
                    + downloads);
        }
        int stall = raw.stallTimeoutSeconds == null
                ? ImageSettings.DEFAULT_STALL_TIMEOUT_SECONDS : raw.stallTimeoutSeconds;
        if (stall < 1 || stall > 86_400) {
            throw new ConfigException(where + ": image.stall_timeout_seconds must be between 1 and 86400, not "
                    + stall);
        }
        return new ImageSettings(snapshotter, downloads, java.time.Duration.ofSeconds(stall),
                path(raw.registryConfigDir, defaults.registryConfigDir(), "image.registry_config_dir", where),
                layerLimits(raw, defaults.layerLimits(), where),
                // 0 turns the rule off; see ImageSettings for why 1 KiB/s is the default.
                bounded(raw.minDownloadRateBytesPerSecond, defaults.minDownloadRate(), 0,
                        ImageSettings.MAX_MIN_DOWNLOAD_RATE, "min_download_rate_bytes_per_second", where));
    }

    /** Lower bounds keep a typo from refusing every image; upper ones are what a long or an int path holds. */
    private static LayerLimits layerLimits(ConfigFile.ImageSection raw, LayerLimits d, String where) {
        return new LayerLimits(
                bounded(raw.layerMaxEntries, d.maxEntries(), 1_000, Long.MAX_VALUE, LayerLimits.ENTRIES, where),
                bounded(raw.layerMaxUncompressedBytes, d.maxUncompressedBytes(), 1L << 20, Long.MAX_VALUE,
                        LayerLimits.UNCOMPRESSED_BYTES, where),
                bounded(raw.layerMaxPaxBytes, d.maxPaxBytes(), 1L << 20, Long.MAX_VALUE, LayerLimits.PAX_BYTES,
                        where),
                (int) bounded(raw.layerMaxPathBytes == null ? null : raw.layerMaxPathBytes.longValue(),
                        d.maxPathBytes(), 256, 1L << 20, LayerLimits.PATH_BYTES, where));
    }

    private static long bounded(Long value, long fallback, long min, long max, String key, String where) {
        long v = value == null ? fallback : value;
        if (v < min || v > max) {
            throw new ConfigException(where + ": image." + key + " must be between " + min + " and " + max
                    + ", not " + v);
        }
        return v;
    }

    private static StreamingConfig streaming(ConfigFile.StreamingSection raw, String where) {
        if (raw == null) {
            return StreamingConfig.defaults();
        }
        String address = orDefault(raw.address, StreamingConfig.DEFAULT_ADDRESS);
        if (!isIpLiteral(address)) {
            throw new ConfigException(where + ": streaming.address must be an IP address, not '" + address + "'");
        }
        try {
            return new StreamingConfig(address,
                    raw.port == null ? 0 : raw.port,
                    raw.tlsCertFile == null ? null : path(raw.tlsCertFile, null, "streaming.tls_cert_file", where),
                    raw.tlsKeyFile == null ? null : path(raw.tlsKeyFile, null, "streaming.tls_key_file", where),
                    raw.idleTimeoutSeconds == null ? StreamingConfig.DEFAULT_IDLE_TIMEOUT
                            : java.time.Duration.ofSeconds(raw.idleTimeoutSeconds),
                    raw.streamCreationTimeoutSeconds == null ? StreamingConfig.DEFAULT_STREAM_CREATION_TIMEOUT
                            : java.time.Duration.ofSeconds(raw.streamCreationTimeoutSeconds),
                    raw.tokenTtlSeconds == null ? StreamingConfig.DEFAULT_TOKEN_TTL
                            : java.time.Duration.ofSeconds(raw.tokenTtlSeconds));
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
    }

    /** An IPv4 or IPv6 literal; never a host name, so binding never waits on DNS. */
    private static boolean isIpLiteral(String value) {
        return value.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (value.contains(":") && value.matches("[0-9A-Fa-f:.]+"));
    }

    private static Path path(String value, Path fallback, String key, String where) {
        if (value == null) {
            return fallback;
        }
        Path p = Path.of(value);
        if (!p.isAbsolute()) {
            throw new ConfigException(where + ": " + key + " must be an absolute path, not '" + value + "'");
        }
        return p.normalize();
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1 ? "" : " line " + loc.getLineNr();
    }

    /** The TOML reader does not keep positions for keys it binds later; find the key's line by hand. */
    private static String lineOfKey(String toml, String key) {
        String[] lines = toml.split("\n", -1);
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "\\s*\"?" + java.util.regex.Pattern.quote(key) + "\"?\\s*=.*");
        for (int i = 0; i < lines.length; i++) {
            if (p.matcher(lines[i]).matches()) {
                return " line " + (i + 1);
            }
        }
        return "";
    }

    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
