package io.berth.server.image.pull;

import io.berth.server.image.content.Digest;
import io.berth.server.image.registry.FakeRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Serves OCI images made of {@link TestLayer}s from a {@link FakeRegistry}. */
final class TestRegistryImages {
    private TestRegistryImages() {}

    /** Serves the image under {@code repository:tag}; returns its id (the config digest). */
    static String serve(FakeRegistry registry, String repository, String tag, String user, List<TestLayer.Built> layers) {
        return serve(registry, repository, tag, user, layers, layers.stream().map(TestLayer.Built::diffId).toList());
    }

    /** As {@link #serve}, with a config that names {@code diffIds} whatever the layers really are. */
    static String serve(FakeRegistry registry, String repository, String tag, String user, List<TestLayer.Built> layers,
            List<String> diffIds) {
        String config = """
                {"architecture":"amd64","os":"linux","config":{"User":"%s","Env":["PATH=/bin"],"Cmd":["sh"]},
                 "rootfs":{"type":"layers","diff_ids":[%s]}}"""
                .formatted(user, diffIds.stream().map(d -> "\"" + d + "\"").collect(Collectors.joining(",")));
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        Digest configDigest = registry.blob(repository, configBytes);
        String layerDescriptors = layers.stream().map(l -> """
                {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}"""
                .formatted(registry.blob(repository, l.blob()), l.blob().length)).collect(Collectors.joining(","));
        registry.manifest(repository, tag, "application/vnd.oci.image.manifest.v1+json", """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[%s]}""".formatted(configDigest, configBytes.length, layerDescriptors));
        return configDigest.toString();
    }

    static String blobPath(String repository, byte[] blob) {
        return "/v2/" + repository + "/blobs/" + Digest.sha256Of(blob);
    }
}
