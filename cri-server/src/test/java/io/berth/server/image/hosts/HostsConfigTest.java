package io.berth.server.image.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsConfigTest {
    @TempDir
    Path configDir;

    @Test
    void parsesMirrorsInFileOrderThenServer() throws IOException {
        Path dir = write("docker.io", """
                server = "https://registry-1.docker.io"    # Exclude this to not use upstream

                [host."https://public-mirror.example.com"]
                  capabilities = ["pull"]                  # Requires less trust, won't resolve tag to digest from this host
                [host."https://docker-mirror.internal"]
                  capabilities = ["pull", "resolve"]
                  ca = "docker-mirror.crt"                 # Or absolute path /etc/containerd/certs.d/docker.io/docker-mirror.crt
                [host."http://192.168.31.250:5000"]
                  capabilities = ["pull", "resolve", "push"]
                  skip_verify = true
                """);

        List<RegistryHost> hosts = new HostsConfig(configDir).hostsFor("docker.io");

        assertThat(hosts).extracting(RegistryHost::url).containsExactly(
                URI.create("https://public-mirror.example.com"),
                URI.create("https://docker-mirror.internal"),
                URI.create("http://192.168.31.250:5000"),
                URI.create("https://registry-1.docker.io"));
        assertThat(hosts.get(0).capabilities()).containsExactly(Capability.PULL);
        assertThat(hosts.get(1).capabilities()).containsExactlyInAnyOrder(Capability.PULL, Capability.RESOLVE);
        assertThat(hosts.get(1).caFiles()).containsExactly(dir.resolve("docker-mirror.crt"));
        assertThat(hosts.get(2).skipVerify()).isTrue();
        assertThat(hosts.get(2).plainHttp()).isTrue();
        assertThat(hosts.subList(0, 3)).allMatch(RegistryHost::mirror);
        assertThat(hosts.get(3).mirror()).isFalse();
        assertThat(hosts.get(3).capabilities()).containsExactlyInAnyOrder(Capability.values());
    }

    @Test
    void parsesHeadersCaListsAndOverridePath() throws IOException {
        write("registry.example", """
                server = "https://registry.example"
                ca = ["/etc/certs/test-1-ca.pem", "special.pem"]
                [header]
                  x-custom-1 = "custom header"

                [host."https://mirror.registry"]
                  capabilities = ["pull"]
                  ca = "/etc/certs/mirror.pem"
                  skip_verify = false
                  client = "/etc/certs/client.pem"
                  [host."https://mirror.registry".header]
                    x-custom-2 = ["value1", "value2"]

                [host."https://non-compliant-mirror.registry/v2/upstream"]
                  capabilities = ["pull"]
                  override_path = true

                [host."https://mirror-bak.registry/us"]
                  capabilities = ["pull"]
                """);

        List<RegistryHost> hosts = new HostsConfig(configDir).hostsFor("registry.example");

        RegistryHost mirror = hosts.get(0);
        assertThat(mirror.headers()).isEqualTo(Map.of("x-custom-2", List.of("value1", "value2")));
        assertThat(mirror.caFiles()).containsExactly(Path.of("/etc/certs/mirror.pem"));
        assertThat(hosts.get(1).apiRoot()).isEqualTo("https://non-compliant-mirror.registry/v2/upstream");
        assertThat(hosts.get(2).apiRoot()).isEqualTo("https://mirror-bak.registry/us/v2");
        RegistryHost server = hosts.get(3);
        assertThat(server.apiRoot()).isEqualTo("https://registry.example/v2");
        assertThat(server.headers()).isEqualTo(Map.of("x-custom-1", List.of("custom header")));
        assertThat(server.caFiles()).containsExactly(
                Path.of("/etc/certs/test-1-ca.pem"), configDir.resolve("certs.d/registry.example/special.pem"));
    }

    @Test
    void defaultsWithoutAnyFile() {
        HostsConfig config = new HostsConfig(configDir);

        assertThat(config.hostsFor("docker.io")).singleElement()
                .satisfies(h -> assertThat(h.apiRoot()).isEqualTo("https://registry-1.docker.io/v2"));
        assertThat(config.hostsFor("quay.io")).singleElement()
                .satisfies(h -> assertThat(h.apiRoot()).isEqualTo("https://quay.io/v2"));
        assertThat(config.hostsFor("localhost:5000")).singleElement()
                .satisfies(h -> assertThat(h.apiRoot()).isEqualTo("http://localhost:5000/v2"));
        assertThat(config.hostsFor("127.0.0.1:5000").get(0).plainHttp()).isTrue();
        assertThat(config.hostsFor("[::1]:5000").get(0).plainHttp()).isTrue();
    }

    @Test
    void serverDockerIoMeansTheHubApiHost() throws IOException {
        write("docker.io", """
                server = "https://docker.io"

                [host."https://registry-1.docker.io"]
                  capabilities = ["pull", "resolve"]
                """);

        assertThat(new HostsConfig(configDir).hostsFor("docker.io"))
                .extracting(RegistryHost::authority)
                .containsExactly("registry-1.docker.io", "registry-1.docker.io");
    }

    @Test
    void looksUpPortDirectoriesThenDefault() throws IOException {
        write("_default", """
                [host."https://registry.example.com"]
                  capabilities = ["pull", "resolve"]
                """);
        write("myregistry.io:5000", """
                server = "http://myregistry.io:5000"
                """);
        HostsConfig config = new HostsConfig(configDir);

        assertThat(config.hostsFor("myregistry.io:5000")).extracting(RegistryHost::url)
                .containsExactly(URI.create("http://myregistry.io:5000"));
        assertThat(config.hostsFor("quay.io")).extracting(RegistryHost::url)
                .containsExactly(URI.create("https://registry.example.com"), URI.create("https://quay.io"));

        write("myregistry.io_5000_", """
                server = "https://myregistry.io:5000"
                """);
        assertThat(config.hostsFor("myregistry.io:5000")).extracting(RegistryHost::url)
                .containsExactly(URI.create("https://myregistry.io:5000"));
    }

    @Test
    void plainHttpIsAllowedOnlyWhereConfigured() throws IOException {
        write("auth.example:8080", """
                server = "http://auth.example:8080"
                """);
        write("_default", """
                server = "http://anything.example"
                """);
        HostsConfig config = new HostsConfig(configDir);

        assertThat(config.allowsPlainHttp("auth.example:8080")).isTrue();
        assertThat(config.allowsPlainHttp("anything.example")).isFalse();
        assertThat(config.allowsPlainHttp("other.example")).isFalse();
    }

    @Test
    void refusesBrokenFilesNamingThem() throws IOException {
        write("bad.example", "server = [");
        write("bad2.example", """
                [host."ftp://mirror"]
                  capabilities = ["pull"]
                """);
        write("bad3.example", """
                [host."https://mirror"]
                  capabilities = ["fly"]
                """);
        HostsConfig config = new HostsConfig(configDir);

        assertThatThrownBy(() -> config.hostsFor("bad.example")).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("bad.example/hosts.toml").hasMessageContaining("not valid TOML");
        assertThatThrownBy(() -> config.hostsFor("bad2.example")).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> config.hostsFor("bad3.example")).isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("unknown capability 'fly'");
    }

    @Test
    void capabilitiesDefaultToAll() {
        HostsFile file = HostsFile.parse("[host.\"https://m\"]\n", configDir, "test");

        assertThat(file.mirrors().get(0).capabilities()).isEqualTo(Set.of(Capability.values()));
        assertThat(file.server()).isEmpty();
    }

    private Path write(String namespace, String toml) throws IOException {
        Path dir = configDir.resolve("certs.d").resolve(namespace);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hosts.toml"), toml);
        return dir;
    }
}
