package io.berth.netplugin.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.FailedPreconditionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One CNI network configuration list as the spec defines it: name, cniVersion and the plugin chain. A
 * single-plugin {@code .conf}/{@code .json} file is read as a list of one, as libcni does.
 */
public record CniNetwork(String name, String cniVersion, List<ObjectNode> plugins, Path source) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The first configuration in the dir by file name, as kubelet and containerd pick it. */
    public static CniNetwork loadFirst(Path confDir) throws IOException {
        if (!Files.isDirectory(confDir)) {
            throw new FailedPreconditionException("no CNI configuration: " + confDir + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(confDir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return Files.isRegularFile(p) && (n.endsWith(".conf") || n.endsWith(".conflist") || n.endsWith(".json"));
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new FailedPreconditionException("no CNI configuration in " + confDir
                    + " (.conf, .conflist or .json); install one or use network.plugin = \"bridge\"");
        }
        return parse(files.get(0));
    }

    static CniNetwork parse(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new FailedPreconditionException("CNI configuration " + file + " is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FailedPreconditionException("CNI configuration " + file + " is not a JSON object");
        }
        String name = text(root, "name", file);
        String version = text(root, "cniVersion", file);
        List<ObjectNode> plugins = new ArrayList<>();
        if (file.getFileName().toString().endsWith(".conflist")) {
            JsonNode list = root.get("plugins");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw new FailedPreconditionException("CNI configuration " + file + " has no \"plugins\" list");
            }
            for (JsonNode p : (ArrayNode) list) {
                if (!p.isObject()) {
                    throw new FailedPreconditionException("CNI configuration " + file + ": a plugin is not an object");
                }
                plugins.add((ObjectNode) p);
            }
        } else {
            plugins.add((ObjectNode) root);
        }
        for (ObjectNode p : plugins) {
            requireFileName(text(p, "type", file), file);
            JsonNode ipam = p.get("ipam");
            if (ipam != null && ipam.isObject()) {
                requireFileName(text(ipam, "type", file), file);
            }
        }
        return new CniNetwork(name, version, List.copyOf(plugins), file);
    }

    private static void requireFileName(String type, Path file) {
        if (!type.matches("[A-Za-z0-9_.-]+") || type.startsWith(".")) {
            throw new FailedPreconditionException("CNI configuration " + file + ": plugin type '" + type
                    + "' is not a file name");
        }
    }

    /**
     * The binaries plugin {@code i} needs: its own and, when it delegates addresses to one, its IPAM
     * plugin's. A missing IPAM binary fails the ADD just as surely, after the plugin has begun its work.
     */
    List<String> binaries(int i) {
        JsonNode ipamType = plugins.get(i).path("ipam").path("type");
        return ipamType.isTextual() ? List.of(type(i), ipamType.asText()) : List.of(type(i));
    }

    /** The stdin config of plugin {@code i}: its own object plus the list's name and cniVersion. */
    ObjectNode pluginConfig(int i) {
        ObjectNode c = plugins.get(i).deepCopy();
        c.put("name", name);
        c.put("cniVersion", cniVersion);
        return c;
    }

    String type(int i) {
        return plugins.get(i).get("type").asText();
    }

    boolean hasCapability(int i, String capability) {
        return plugins.get(i).path("capabilities").path(capability).asBoolean(false);
    }

    private static String text(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new FailedPreconditionException("CNI configuration " + file + " lacks the string field \"" + field + "\"");
        }
        return v.asText();
    }
}
