package io.berth.e2e.critest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.e2e.fixtures.Digests;
import io.berth.e2e.fixtures.TestImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image as the registry serves it, read with plain distribution-API calls the way a puller sees it: the manifest
 * digest, the image id a CRI runtime reports (the config digest), the config, and the files of all layers stacked
 * (upper layers replace lower entries; our layers have no whiteouts), and the gzip layer blobs in stacking order.
 */
record ServedImage(String manifestDigest, String id, JsonNode config, Map<String, Entry> files, List<byte[]> layers) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One tar entry of the stacked filesystem: its mode bits, owner, link target and content. */
    record Entry(int mode, long uid, String linkName, byte[] content) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    static ServedImage fetch(String registryUrl, CritestImages.LocalName name) throws IOException {
        String base = registryUrl + "/v2/" + name.repository();
        HttpResponse<byte[]> manifest = get(base + "/manifests/" + name.tag(), TestImage.MANIFEST);
        JsonNode m = JSON.readTree(manifest.body());
        String digest = Digests.sha256(manifest.body());
        String header = manifest.headers().firstValue("Docker-Content-Digest").orElse(digest);
        if (!header.equals(digest)) {
            throw new IOException(name + ": registry says " + header + " for a manifest whose bytes are " + digest);
        }
        String id = m.get("config").get("digest").asText();
        JsonNode config = JSON.readTree(blob(base, id));
        Map<String, Entry> files = new LinkedHashMap<>();
        List<byte[]> layers = new ArrayList<>();
        for (JsonNode layer : m.get("layers")) {
            byte[] gzip = blob(base, layer.get("digest").asText());
            untar(gzip, files);
            layers.add(gzip);
        }
        return new ServedImage(digest, id, config, files, List.copyOf(layers));
    }

    /**
     * Extracts the layers in order into {@code dir} with GNU tar, keeping hard links, modes and numeric owners, as
     * a snapshotter would (root only, for the owners).
     */
    void unpack(Path dir) throws IOException {
        for (byte[] layer : layers) {
            Process tar = new ProcessBuilder("tar", "-xzpf", "-", "--numeric-owner", "-C", dir.toString())
                    .redirectErrorStream(true).start();
            try (OutputStream in = tar.getOutputStream()) {
                in.write(layer);
            }
            String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!tar.waitFor(60, TimeUnit.SECONDS) || tar.exitValue() != 0) {
                    tar.destroyForcibly();
                    throw new IOException("tar -x into " + dir + " failed: " + out);
                }
            } catch (InterruptedException e) {
                tar.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Config.User, "" when unset. */
    String user() {
        return config.path("config").path("User").asText("");
    }

    private static byte[] blob(String base, String digest) throws IOException {
        byte[] bytes = get(base + "/blobs/" + digest, "*/*").body();
        if (!Digests.sha256(bytes).equals(digest)) {
            throw new IOException("blob " + digest + " came back with other bytes");
        }
        return bytes;
    }

    private static void untar(byte[] gzip, Map<String, Entry> files) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextTarEntry(); e != null; e = tar.getNextTarEntry()) {
                String path = e.getName().replaceAll("/+$", "");
                files.put(path, new Entry(e.getMode(), e.getLongUserId(), e.getLinkName(), tar.readAllBytes()));
            }
        }
    }

    private static HttpResponse<byte[]> get(String url, String accept) throws IOException {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", accept).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException(
                        "GET " + url + ": " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
