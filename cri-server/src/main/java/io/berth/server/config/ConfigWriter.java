package io.berth.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link BerthConfig} as config.toml text that loads back to the same config: every key, one table
 * per section, for {@code berthd config dump}.
 */
public final class ConfigWriter {
    private static final TomlMapper MAPPER = new TomlMapper();

    private ConfigWriter() {}

    public static String toToml(BerthConfig config) {
        StringBuilder out = new StringBuilder(
                "# The configuration berthd runs with; `berthd config default` says what each key does.\n");
        table(MAPPER.valueToTree(fileOf(config)), KeyPath.ROOT, out);
        return out.toString();
    }

    private static ConfigFile fileOf(BerthConfig config) {
        ConfigFile file = new ConfigFile();
        file.root = config.root().toString();
        file.state = config.state().toString();
        file.socket = config.socket().toString();
        file.logLevel = config.logLevel();
        file.shutdownGraceSeconds = config.shutdownGraceSeconds();
        file.cgroupDriver = config.cgroupDriver().configName();
        file.defaultRuntime = config.defaultRuntime();
        file.runtimes = new LinkedHashMap<>();
        config.runtimes().forEach((name, handler) -> {
            ConfigFile.RuntimeSection section = new ConfigFile.RuntimeSection();
            section.binary = handler.binary();
            file.runtimes.put(name, section);
        });
        file.network = network(config.network());
        file.metrics = new ConfigFile.MetricsSection();
        file.metrics.enabled = config.metrics().enabled();
        file.metrics.address = hostAndPort(config.metrics().address());
        file.image = image(config.image());
        file.streaming = streaming(config.streaming());
        file.shim = new ConfigFile.ShimSection();
        file.shim.group = config.shim().group();
        file.shim.memoryLimitBytes = config.shim().memoryLimitBytes();
        file.shim.runtimeTimeoutSeconds = config.shim().runtimeTimeoutSeconds();
        return file;
    }

    private static ConfigFile.NetworkSection network(NetworkConfig network) {
        ConfigFile.NetworkSection section = new ConfigFile.NetworkSection();
        section.plugin = network.plugin();
        section.bridge = network.bridge();
        section.subnet = network.subnet();
        section.ipv6Subnet = network.ipv6Subnet().orElse(null);
        section.mtu = network.mtu();
        section.allowEgress = network.allowEgress();
        section.cniConfDir = network.cniConfDir().toString();
        section.cniBinDirs = network.cniBinDirs().stream().map(Path::toString).toList();
        return section;
    }

    private static ConfigFile.ImageSection image(ImageSettings image) {
        ConfigFile.ImageSection section = new ConfigFile.ImageSection();
        section.snapshotter = image.snapshotter();
        section.maxConcurrentDownloads = image.maxConcurrentDownloads();
        section.maxConcurrentDownloadsPerDaemon = image.maxDownloadsPerDaemon();
        section.stallTimeoutSeconds = seconds(image.stallTimeout());
        section.registryConfigDir = image.registryConfigDir().toString();
        section.layerMaxEntries = image.layerLimits().maxEntries();
        section.layerMaxUncompressedBytes = image.layerLimits().maxUncompressedBytes();
        section.layerMaxPaxBytes = image.layerLimits().maxPaxBytes();
        section.layerMaxPathBytes = image.layerLimits().maxPathBytes();
        section.minDownloadRateBytesPerSecond = image.minDownloadRate();
        return section;
    }

    private static ConfigFile.StreamingSection streaming(StreamingConfig streaming) {
        ConfigFile.StreamingSection section = new ConfigFile.StreamingSection();
        section.address = streaming.address();
        section.port = streaming.port();
        section.tlsCertFile = streaming.tls() ? streaming.tlsCertFile().toString() : null;
        section.tlsKeyFile = streaming.tls() ? streaming.tlsKeyFile().toString() : null;
        section.idleTimeoutSeconds = seconds(streaming.idleTimeout());
        section.streamCreationTimeoutSeconds = seconds(streaming.streamCreationTimeout());
        section.tokenTtlSeconds = seconds(streaming.tokenTtl());
        return section;
    }

    /** Config files count whole seconds; only code sets a finer duration. */
    private static int seconds(Duration duration) {
        return Math.toIntExact(duration.toSeconds());
    }

    private static String hostAndPort(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
        return host + ":" + address.getPort();
    }

    /** A table's keys, then its sub-tables; a table holding only tables gets no header of its own. */
    private static void table(JsonNode node, KeyPath path, StringBuilder out) {
        List<Map.Entry<String, JsonNode>> tables = new ArrayList<>();
        List<String> values = new ArrayList<>();
        node.properties().forEach(field -> {
            if (field.getValue().isObject()) {
                tables.add(field);
            } else if (!field.getValue().isNull()) {
                values.add(KeyPath.ROOT.child(field.getKey()) + " = " + value(field.getValue()));
            }
        });
        if (!path.segments().isEmpty() && (!values.isEmpty() || tables.isEmpty())) {
            out.append("\n[").append(path).append("]\n");
        }
        values.forEach(line -> out.append(line).append('\n'));
        for (Map.Entry<String, JsonNode> table : tables) {
            table((ObjectNode) table.getValue(), path.child(table.getKey()), out);
        }
    }

    private static String value(JsonNode value) {
        if (value.isTextual()) {
            return TomlStrings.quote(value.asText());
        }
        if (value.isArray()) {
            List<String> elements = new ArrayList<>();
            value.forEach(element -> elements.add(value(element)));
            return "[" + String.join(", ", elements) + "]";
        }
        return value.asText();
    }
}
