package io.berth.server.image.registry;

import java.util.Set;

/** Media types from the OCI image spec and Docker's image manifest v2 spec, verbatim. */
public final class MediaTypes {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** The {@code Accept} header for manifest requests: everything berth can use, nothing it cannot. */
    public static final String MANIFEST_ACCEPT = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST,
            DOCKER_MANIFEST_LIST);

    static final Set<String> IMAGE_MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
    static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
    static final Set<String> SCHEMA1 = Set.of(DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED);
    static final Set<String> CONFIGS = Set.of(OCI_CONFIG, DOCKER_CONFIG);
    /**
     * Layers berth can unpack. The spec's deprecated non-distributable types are the same tars; Docker's
     * foreign layers (Windows base layers fetched from elsewhere) are not.
     */
    static final Set<String> LAYERS = Set.of(OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LAYER, DOCKER_LAYER_GZIP,
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");
    /** Uncompressed layers: their digest is their diffID. */
    static final Set<String> UNCOMPRESSED_LAYERS = Set.of(OCI_LAYER, DOCKER_LAYER,
            "application/vnd.oci.image.layer.nondistributable.v1.tar");

    private MediaTypes() {}

    public static boolean isImageManifest(String mediaType) {
        return IMAGE_MANIFESTS.contains(mediaType);
    }

    public static boolean isIndex(String mediaType) {
        return INDEXES.contains(mediaType);
    }

    public static boolean isConfig(String mediaType) {
        return CONFIGS.contains(mediaType);
    }

    public static boolean isLayer(String mediaType) {
        return LAYERS.contains(mediaType);
    }

    public static boolean isUncompressedLayer(String mediaType) {
        return UNCOMPRESSED_LAYERS.contains(mediaType);
    }
}
