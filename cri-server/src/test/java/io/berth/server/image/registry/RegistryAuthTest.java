package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.PermissionDeniedException;
import io.berth.cri.v1.AuthConfig;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryAuthTest {
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final RegistryCredentials ALICE = new RegistryCredentials("alice", "s3cret", "", "", "");

    @TempDir
    Path dir;

    private FakeRegistry registry;
    private ContentStore store;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        store = ContentStore.open(dir.resolve("root"));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private RegistryClient client() {
        return new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults());
    }

    private ImageReference app() {
        return ImageReference.parse(registry.authority() + "/library/app:1");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    }

    /** The registry answers only requests carrying {@code accepted}; others get a challenge. */
    private void requireOnRegistry(String accepted, String challenge) {
        registry.gate(exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/v2/") && !accepted.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().add("WWW-Authenticate", challenge);
                FakeRegistry.sendError(exchange, 401, "UNAUTHORIZED", "authentication required");
            }
        });
    }

    @Test
    void basicAuthUsesTheCallersPassword() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        requireOnRegistry(basic("alice", "s3cret"), "Basic realm=\"fake\"");

        assertThat(client().resolve(app(), ALICE, AMD64).manifest().layers()).hasSize(1);
        assertThatThrownBy(() -> client().resolve(app(), RegistryCredentials.ANONYMOUS, AMD64))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("requires a username and password");
        assertThatThrownBy(() -> client().resolve(app(), new RegistryCredentials("alice", "wrong", "", "", ""), AMD64))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("HTTP 401");
    }

    @Test
    void criAuthFieldDecodesToUserAndPassword() {
        RegistryCredentials decoded = RegistryCredentials.fromCri(AuthConfig.newBuilder()
                .setAuth(Base64.getEncoder().encodeToString("alice:s3:cret".getBytes(UTF_8))).build());

        assertThat(decoded.username()).isEqualTo("alice");
        assertThat(decoded.password()).isEqualTo("s3:cret");
        assertThat(decoded.toString()).doesNotContain("s3:cret");
    }

    @Test
    void bearerTokenFlowWithCaching() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        AtomicReference<String> tokenQuery = new AtomicReference<>();
        AtomicReference<String> tokenAuthorization = new AtomicReference<>();
        registry.route("/token", exchange -> {
            tokenQuery.set(URLDecoder.decode(exchange.getRequestURI().getRawQuery(), UTF_8));
            tokenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            FakeRegistry.send(exchange, 200, "{\"access_token\":\"tok-1\",\"expires_in\":300}".getBytes(UTF_8));
        });
        requireOnRegistry("Bearer tok-1", "Bearer realm=\"http://" + registry.authority()
                + "/token\",service=\"fake-registry\",scope=\"repository:library/app:pull\"");
        RegistryClient client = client();

        ResolvedImage image = client.resolve(app(), ALICE, AMD64);
        for (Descriptor blob : image.manifest().layers()) {
            client.fetchBlob(app(), ALICE, blob, store, DownloadProgress.NONE);
        }
        client.fetchBlob(app(), ALICE, image.manifest().config(), store, DownloadProgress.NONE);

        assertThat(tokenQuery.get()).isEqualTo("service=fake-registry&scope=repository:library/app:pull");
        assertThat(tokenAuthorization.get()).isEqualTo(basic("alice", "s3cret"));
        assertThat(registry.count("/token")).isEqualTo(1);
        assertThat(store.info(image.manifest().config().digest())).isPresent();
    }

    @Test
    void identityTokenIsPostedAsRefreshToken() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        AtomicReference<String> form = new AtomicReference<>();
        registry.route("/token", exchange -> {
            form.set(new String(exchange.getRequestBody().readAllBytes(), UTF_8));
            FakeRegistry.send(exchange, 200, "{\"token\":\"tok-2\"}".getBytes(UTF_8));
        });
        requireOnRegistry("Bearer tok-2", "Bearer realm=\"http://" + registry.authority() + "/token\",service=\"svc\"");

        client().resolve(app(), new RegistryCredentials("", "", "", "refresh-me", ""), AMD64);

        assertThat(registry.requests()).filteredOn(r -> r.path().equals("/token"))
                .singleElement().satisfies(r -> assertThat(r.method()).isEqualTo("POST"));
        assertThat(form.get()).contains("grant_type=refresh_token", "refresh_token=refresh-me", "service=svc",
                "scope=repository%3Alibrary%2Fapp%3Apull");
    }

    @Test
    void registryTokenIsSentAsIs() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        requireOnRegistry("Bearer given", "Bearer realm=\"http://" + registry.authority() + "/token\"");

        client().resolve(app(), new RegistryCredentials("", "", "", "", "given"), AMD64);

        assertThat(registry.count("/token")).isZero();
        assertThat(registry.count("/v2/library/app/manifests/1")).isEqualTo(1);
    }

    @Test
    void rejectedTokenIsPermissionDeniedWithTheRegistrysMessage() {
        registry.route("/token", exchange -> FakeRegistry.send(exchange, 200, "{\"token\":\"weak\"}".getBytes(UTF_8)));
        requireOnRegistry("Bearer strong", "Bearer realm=\"http://" + registry.authority() + "/token\"");

        assertThatThrownBy(() -> client().resolve(app(), ALICE, AMD64))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("registry " + registry.authority() + " refused access to image")
                .hasMessageContaining("HTTP 401");
    }

    @Test
    void plainHttpRealmOnAnotherHostIsRefusedUnlessTrusted() throws IOException {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        registry.route("/token", exchange -> FakeRegistry.send(exchange, 200, "{\"token\":\"t\"}".getBytes(UTF_8)));
        String realmHost = "localhost:" + registry.port();
        requireOnRegistry("Bearer t", "Bearer realm=\"http://" + realmHost + "/token\",service=\"svc\"");

        assertThatThrownBy(() -> client().resolve(app(), ALICE, AMD64))
                .isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("plain http on another host")
                .hasMessageContaining(realmHost);
        assertThat(registry.count("/token")).isZero();

        Path hostDir = dir.resolve("etc/certs.d/" + realmHost);
        Files.createDirectories(hostDir);
        Files.writeString(hostDir.resolve("hosts.toml"), "server = \"http://" + realmHost + "\"\n");

        assertThat(client().resolve(app(), ALICE, AMD64).manifest().layers()).hasSize(1);
        assertThat(registry.count("/token")).isEqualTo(1);
    }

    @Test
    void credentialsForAnotherServerAreNotSent() {
        String manifest = TestImages.ociManifest(registry, "library/app");
        registry.manifest("library/app", "1", MediaTypes.OCI_MANIFEST, manifest);
        requireOnRegistry(basic("alice", "s3cret"), "Basic realm=\"fake\"");

        assertThatThrownBy(() -> client().resolve(app(),
                new RegistryCredentials("alice", "s3cret", "https://other.example/v1/", "", ""), AMD64))
                .isInstanceOf(PermissionDeniedException.class);
        assertThat(registry.requests()).noneMatch(r -> r.header("Authorization") != null);
    }

}
