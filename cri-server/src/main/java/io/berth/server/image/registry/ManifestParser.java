package io.berth.server.image.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns manifest bytes from a registry or an image archive into {@link ImageManifest}s and index entries.
 * Everything is checked: both are untrusted, so a missing field, a wrong type or a negative size is a
 * clear error naming the image, never a NullPointerException.
 */
public final class ManifestParser {

    static {
        // Manifests are capped in size already; also bound nesting so a hostile document cannot blow the stack.
        Mappers.plain().getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private ManifestParser() {}

    /** The manifest kind, from the Content-Type when it names one, else the document itself. */
    public static String mediaTypeOf(String contentType, JsonNode document, String image) {
        String header = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        if (MediaTypes.SCHEMA1.contains(header)) {
            throw schema1(image);
        }
        if (MediaTypes.isImageManifest(header) || MediaTypes.isIndex(header)) {
            return header;
        }
        JsonNode declared = document.get("mediaType");
        if (declared != null && declared.isTextual()) {
            return declared.asText();
        }
        JsonNode schemaVersion = document.get("schemaVersion");
        if (schemaVersion != null && schemaVersion.asInt() == 1) {
            throw schema1(image);
        }
        if (document.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (document.has("config") && document.has("layers")) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw invalid(image, "its type cannot be told: Content-Type '" + Require.printable(header)
                + "' and no mediaType, manifests or layers field");
    }

    public static JsonNode readTree(byte[] bytes, String image) {
        try {
            JsonNode node = Mappers.plain().readTree(bytes);
            if (node == null || !node.isObject()) {
                throw invalid(image, "it is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw invalid(image, "it is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw invalid(image, e.getMessage());
        }
    }

    public static ImageManifest parseManifest(JsonNode document, String mediaType, String image) {
        checkSchemaVersion(document, image);
        Descriptor config = descriptor(document.get("config"), image, "config");
        JsonNode layers = document.get("layers");
        if (layers == null || !layers.isArray()) {
            throw invalid(image, "'layers' is missing or not a list");
        }
        List<Descriptor> parsed = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            parsed.add(descriptor(layers.get(i), image, "layers[" + i + "]"));
        }
        return new ImageManifest(mediaType, config, parsed);
    }

    public static List<Descriptor> parseIndex(JsonNode document, String image) {
        checkSchemaVersion(document, image);
        JsonNode manifests = document.get("manifests");
        if (manifests == null || !manifests.isArray()) {
            throw invalid(image, "'manifests' is missing or not a list");
        }
        List<Descriptor> entries = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            entries.add(descriptor(manifests.get(i), image, "manifests[" + i + "]"));
        }
        return entries;
    }

    private static void checkSchemaVersion(JsonNode document, String image) {
        JsonNode version = document.get("schemaVersion");
        if (version != null && version.isInt() && version.asInt() == 1) {
            throw schema1(image);
        }
        if (version == null || !version.isInt() || version.asInt() != 2) {
            throw invalid(image, "schemaVersion must be 2");
        }
    }

    private static Descriptor descriptor(JsonNode node, String image, String where) {
        if (node == null || !node.isObject()) {
            throw invalid(image, where + " is not a descriptor object");
        }
        JsonNode mediaType = node.get("mediaType");
        JsonNode digest = node.get("digest");
        JsonNode size = node.get("size");
        if (mediaType == null || !mediaType.isTextual()) {
            throw invalid(image, where + ".mediaType is missing");
        }
        if (digest == null || !digest.isTextual()) {
            throw invalid(image, where + ".digest is missing");
        }
        if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
            throw invalid(image, where + ".size is missing or not a non-negative integer");
        }
        Digest parsed;
        try {
            parsed = Digest.parse(digest.asText());
        } catch (BerthException e) {
            throw invalid(image, where + ".digest: " + e.getMessage());
        }
        return new Descriptor(mediaType.asText(), parsed, size.asLong(), platform(node.get("platform")));
    }

    private static Optional<Platform> platform(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Platform(textOrEmpty(node.get("os")), textOrEmpty(node.get("architecture")),
                textOrEmpty(node.get("variant"))));
    }

    private static String textOrEmpty(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : "";
    }

    static FailedPreconditionException schema1(String image) {
        return new FailedPreconditionException("image " + image + ": schema1 manifests are not supported; push the"
                + " image with a current client");
    }

    private static FailedPreconditionException invalid(String image, String problem) {
        return new FailedPreconditionException("invalid manifest for " + image + ": " + problem);
    }
}
