package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.berth.server.image.content.Digest;

/** Manifest documents for the fake registry, written out the way registries serve them. */
final class TestImages {
    static final byte[] CONFIG = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}".getBytes(UTF_8);
    static final byte[] LAYER = "pretend this is a gzipped tar".repeat(100).getBytes(UTF_8);

    private TestImages() {}

    /** An OCI image manifest whose config and single layer the registry also serves. */
    static String ociManifest(FakeRegistry registry, String repository) {
        Digest config = registry.blob(repository, CONFIG);
        Digest layer = registry.blob(repository, LAYER);
        return manifest(MediaTypes.OCI_MANIFEST, config, CONFIG.length, layer, LAYER.length);
    }

    static String manifest(String mediaType, Digest config, long configSize, Digest layer, long layerSize) {
        String configType = mediaType.equals(MediaTypes.OCI_MANIFEST) ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG;
        return """
                {"schemaVersion":2,"mediaType":"%s",
                 "config":{"mediaType":"%s","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}
                """.formatted(mediaType, configType, config, configSize, layer, layerSize);
    }

    static String indexEntry(String mediaType, Digest digest, long size, String os, String arch, String variant) {
        return """
                {"mediaType":"%s","digest":"%s","size":%d,"platform":{"os":"%s","architecture":"%s"%s}}"""
                .formatted(mediaType, digest, size, os, arch, variant == null ? "" : ",\"variant\":\"" + variant + "\"");
    }

    static String index(String mediaType, String... entries) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":[" + String.join(",", entries) + "]}";
    }

    static long size(String document) {
        return document.getBytes(UTF_8).length;
    }
}
