package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.berth.server.image.content.Digest;
import io.berth.server.image.registry.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A tiny image made in the test: layers of a few files each, a config naming their diffIDs, an OCI manifest;
 * and the archives docker save, docker 25+ and ctr export would make of it.
 */
final class TestImage {
    /** A layer blob as a manifest names it, and the diffID of its tar. */
    record Layer(byte[] blob, String mediaType, String diffId) {
        Digest digest() {
            return Digest.sha256Of(blob);
        }

        String descriptor() {
            return TestImage.descriptor(mediaType, digest(), blob.length);
        }
    }

    final List<Layer> layers;
    final byte[] config;
    final byte[] manifest;

    TestImage(String architecture, List<Layer> layers) {
        this(architecture, layers, layers.stream().map(Layer::diffId).toList());
    }

    /** An image whose config names {@code diffIds}, whatever its layers are. */
    TestImage(String architecture, List<Layer> layers, List<String> diffIds) {
        this.layers = List.copyOf(layers);
        this.config = """
                {"architecture":"%s","os":"linux","config":{"User":"1000","Env":["PATH=/bin"],"Cmd":["sh"]},\
                "rootfs":{"type":"layers","diff_ids":[%s]}}"""
                .formatted(architecture, diffIds.stream().map(d -> "\"" + d + "\"").collect(Collectors.joining(",")))
                .getBytes(UTF_8);
        // Laid out as registries serve manifests, so not byte for byte what berth would make of the same image.
        this.manifest = """
                {
                  "schemaVersion": 2,
                  "mediaType": "%s",
                  "config": %s,
                  "layers": [%s]
                }
                """
                .formatted(MediaTypes.OCI_MANIFEST, descriptor(MediaTypes.OCI_CONFIG, configDigest(), config.length),
                        layers.stream().map(Layer::descriptor).collect(Collectors.joining(",")))
                .getBytes(UTF_8);
    }

    /** A layer holding {@code files} (path to content), as a tar and gzip-compressed or not. */
    static Layer layer(Map<String, String> files, boolean gzip) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (TarWriter tar = new TarWriter(raw)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] content = file.getValue().getBytes(UTF_8);
                tar.addFile(file.getKey(), content.length, new ByteArrayInputStream(content));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] tar = raw.toByteArray();
        String diffId = Digest.sha256Of(tar).toString();
        return gzip ? new Layer(TestArchive.gzip(tar), MediaTypes.OCI_LAYER_GZIP, diffId)
                : new Layer(tar, MediaTypes.OCI_LAYER, diffId);
    }

    /** A layer from a tar made by the caller (a hostile one, say). */
    static Layer layer(byte[] tar) {
        return new Layer(TestArchive.gzip(tar), MediaTypes.OCI_LAYER_GZIP, Digest.sha256Of(tar).toString());
    }

    Digest configDigest() {
        return Digest.sha256Of(config);
    }

    String id() {
        return configDigest().toString();
    }

    Digest manifestDigest() {
        return Digest.sha256Of(manifest);
    }

    /** Config, layers and manifest under {@code blobs/sha256/}, as an OCI layout holds them. */
    TestArchive addBlobs(TestArchive archive) {
        archive.file(blobPath(configDigest()), config).file(blobPath(manifestDigest()), manifest);
        layers.forEach(layer -> archive.file(blobPath(layer.digest()), layer.blob()));
        return archive;
    }

    /** An OCI image layout with one index.json entry for this image's manifest, named by {@code annotations}. */
    TestArchive ociLayout(String annotations) {
        return addBlobs(new TestArchive()).text("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                .text("index.json", index(entry(MediaTypes.OCI_MANIFEST, manifestDigest(), manifest.length,
                        annotations, null)));
    }

    /**
     * docker save before 25: {@code <id>/layer.tar} per layer (uncompressed tars, as docker keeps them),
     * {@code <config hex>.json}, {@code manifest.json} and {@code repositories}.
     */
    TestArchive dockerSave(String... repoTags) {
        TestArchive archive = new TestArchive();
        StringBuilder layerPaths = new StringBuilder();
        for (int i = 0; i < layers.size(); i++) {
            String dir = layerDir(i);
            archive.text(dir + "/VERSION", "1.0").text(dir + "/json", "{}").file(dir + "/layer.tar", layers.get(i).blob());
            layerPaths.append(i == 0 ? "" : ",").append('"').append(dir).append("/layer.tar\"");
        }
        archive.file(configDigest().hex() + ".json", config);
        archive.text("manifest.json", "[{\"Config\":\"%s.json\",\"RepoTags\":[%s],\"Layers\":[%s]}]".formatted(
                configDigest().hex(), quoted(repoTags), layerPaths));
        return archive.text("repositories", "{}");
    }

    /** docker save from 25 on: an OCI layout, and a manifest.json whose paths point into its blobs. */
    TestArchive docker25Save(String name, String... repoTags) {
        TestArchive archive = ociLayout(annotations(ArchiveJson.CONTAINERD_NAME, name, ArchiveJson.OCI_REF_NAME, "latest"));
        String layerPaths = layers.stream().map(l -> "\"" + blobPath(l.digest()) + "\"").collect(Collectors.joining(","));
        return archive.text("manifest.json", "[{\"Config\":\"%s\",\"RepoTags\":[%s],\"Layers\":[%s]}]".formatted(
                blobPath(configDigest()), quoted(repoTags), layerPaths));
    }

    /** The directory docker save puts layer {@code index} in (docker names it by a legacy layer id). */
    static String layerDir(int index) {
        return Digest.sha256Of(("layer " + index).getBytes(UTF_8)).hex();
    }

    static String blobPath(Digest digest) {
        return "blobs/" + digest.algorithm() + "/" + digest.hex();
    }

    static String annotations(String... keysAndValues) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.append(i == 0 ? "" : ",").append('"').append(keysAndValues[i]).append("\":\"").append(keysAndValues[i + 1])
                    .append('"');
        }
        return out.append('}').toString();
    }

    static String entry(String mediaType, Digest digest, long size, String annotations, String platform) {
        return "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%d%s%s}".formatted(mediaType, digest, size,
                annotations == null ? "" : ",\"annotations\":" + annotations,
                platform == null ? "" : ",\"platform\":" + platform);
    }

    static String index(String... entries) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + String.join(",", entries) + "]}";
    }

    static String descriptor(String mediaType, Digest digest, long size) {
        return entry(mediaType, digest, size, null, null);
    }

    private static String quoted(String... values) {
        return Arrays.stream(values).map(v -> "\"" + v + "\"").collect(Collectors.joining(","));
    }
}
