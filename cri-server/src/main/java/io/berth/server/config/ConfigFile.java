package io.berth.server.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * The shape of config.toml as written by an operator: every field optional (null = use the default).
 * {@link ConfigSchema} reads these fields as the keys a file may hold, so a misspelt key is an error with its
 * line rather than a silent default, and a field added here is a key everywhere at once. The snake-case naming is
 * Jackson's for {@link ConfigWriter}, and {@link ConfigSchema#snakeCase}'s for reading; ConfigWriterTest checks
 * that a written config reads back with every key.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
final class ConfigFile {
    public String root;
    public String state;
    public String socket;
    public String logLevel;
    public Integer shutdownGraceSeconds;
    public String cgroupDriver;
    public String defaultRuntime;
    public Map<String, RuntimeSection> runtimes;
    public NetworkSection network;
    public MetricsSection metrics;
    public ImageSection image;
    public StreamingSection streaming;
    public ShimSection shim;

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class ShimSection {
        public String group;
        public Long memoryLimitBytes;
        public Integer runtimeTimeoutSeconds;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class NetworkSection {
        public String plugin;
        public String bridge;
        public String subnet;
        public String ipv6Subnet;
        public Integer mtu;
        public Boolean allowEgress;
        public String cniConfDir;
        public List<String> cniBinDirs;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class RuntimeSection {
        public String binary;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class MetricsSection {
        public Boolean enabled;
        public String address;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class ImageSection {
        public String snapshotter;
        public Integer maxConcurrentDownloads;
        public Integer maxConcurrentDownloadsPerDaemon;
        public Integer stallTimeoutSeconds;
        public String registryConfigDir;
        public Long layerMaxEntries;
        public Long layerMaxUncompressedBytes;
        public Long layerMaxPaxBytes;
        public Integer layerMaxPathBytes;
        public Long minDownloadRateBytesPerSecond;
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    static final class StreamingSection {
        public String address;
        public Integer port;
        public String tlsCertFile;
        public String tlsKeyFile;
        public Integer idleTimeoutSeconds;
        public Integer streamCreationTimeoutSeconds;
        public Integer tokenTtlSeconds;
    }
}
