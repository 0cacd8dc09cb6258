package io.berth.server.image.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.json.Mappers;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.MediaTypes;
import java.io.IOException;
import java.util.Map;

/**
 * The JSON documents of image archives: read bounded (the documents are already capped in size; nesting is
 * capped too, so that a hostile one cannot exhaust the stack), written compact with fields in a fixed
 * order, so that the same image always gives the same bytes and so the same digests.
 */
final class ArchiveJson {
    /** What {@code oci-layout} must say, in the only version of the layout there is. */
    static final String LAYOUT_VERSION = "1.0.0";
    static final String CONTAINERD_NAME = "io.containerd.image.name";
    static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";


    static {
        Mappers.plain().getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private ArchiveJson() {}

    static JsonNode parse(byte[] bytes, String member) {
        try {
            JsonNode node = Mappers.plain().readTree(bytes);
            if (node == null) {
                throw new InvalidArgumentException("member " + member + " is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidArgumentException("member " + member + " is not valid JSON (" + e.getOriginalMessage()
                    + ")");
        } catch (IOException e) {
            throw new InvalidArgumentException("member " + member + " cannot be parsed: " + e.getMessage(), e);
        }
    }

    /** Whether {@code oci-layout} declares the version this reader knows. */
    static boolean isKnownLayout(JsonNode layout) {
        JsonNode version = layout.get("imageLayoutVersion");
        return layout.isObject() && version != null && version.isTextual() && version.asText().equals(LAYOUT_VERSION);
    }

    /** An OCI image manifest for {@code manifest}'s config and layers. */
    static byte[] manifest(ImageManifest manifest) {
        ObjectNode root = Mappers.plain().createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_MANIFEST);
        root.set("config", descriptor(manifest.config(), Map.of()));
        ArrayNode layers = root.putArray("layers");
        manifest.layers().forEach(layer -> layers.add(descriptor(layer, Map.of())));
        return write(root);
    }

    /** index.json of a layout holding the one image {@code top}, named by {@code annotations}. */
    static byte[] index(Descriptor top, Map<String, String> annotations) {
        ObjectNode root = Mappers.plain().createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_INDEX);
        root.putArray("manifests").add(descriptor(top, annotations));
        return write(root);
    }

    static byte[] layout() {
        ObjectNode root = Mappers.plain().createObjectNode();
        root.put("imageLayoutVersion", LAYOUT_VERSION);
        return write(root);
    }

    private static ObjectNode descriptor(Descriptor descriptor, Map<String, String> annotations) {
        ObjectNode node = Mappers.plain().createObjectNode();
        node.put("mediaType", descriptor.mediaType());
        node.put("digest", descriptor.digest().toString());
        node.put("size", descriptor.size());
        if (!annotations.isEmpty()) {
            ObjectNode names = node.putObject("annotations");
            annotations.keySet().stream().sorted().forEach(key -> names.put(key, annotations.get(key)));
        }
        return node;
    }

    private static byte[] write(JsonNode node) {
        try {
            return Mappers.plain().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new InternalException("cannot write an archive document: " + e.getMessage(), e);
        }
    }
}
