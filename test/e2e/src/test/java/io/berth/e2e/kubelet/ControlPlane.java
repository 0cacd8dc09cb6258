package io.berth.e2e.kubelet;

import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.LoggedProcess;
import io.berth.e2e.harness.ScratchDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The least of a cluster that a kubelet can register with: etcd and kube-apiserver of the same release as kubelet
 * ({@link GoTools#kubeApiserver()}, {@link GoTools#etcd()}), on 127.0.0.1 only, with no scheduler and no
 * controller manager. Pods still come to kubelet from its static pod dir; what the API server adds is what a
 * connected kubelet builds on it (its RuntimeClass manager, node registration, mirror pods). Everything lives in
 * one temp dir: etcd's data, the API server's self-signed serving certificate and its service-account key.
 *
 * <p>One static bearer token ({@link #token()}) is a member of system:masters, and every authenticated request is
 * authorized (AlwaysAllow): for tests on loopback only. Anonymous requests are not an option: kube-apiserver turns
 * anonymous auth off whenever AlwaysAllow is on. {@link #close()} stops kube-apiserver, then etcd, by pid, and
 * removes the dir.
 */
public final class ControlPlane implements AutoCloseable {
    /** etcd's and kube-apiserver's start on a slow 2-core machine: the API server's post-start hooks dominate. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final String ETCD_NAME = "berth-e2e";

    private final ScratchDir dir;
    private final HttpClient http = Loopback.trustingClient();
    private final String token = randomToken();
    private LoggedProcess etcd;
    private LoggedProcess apiServer;
    private int apiServerPort;

    private ControlPlane(ScratchDir dir) {
        this.dir = dir;
    }

    /** Starts etcd and kube-apiserver, waits until the API server is ready and creates {@code namespace}. */
    public static ControlPlane start(String namespace) {
        ControlPlane plane = new ControlPlane(ScratchDir.create("control-plane-"));
        try {
            plane.launch();
            plane.createNamespace(namespace);
            return plane;
        } catch (IOException e) {
            plane.closeQuietly();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            plane.closeQuietly();
            throw e;
        }
    }

    private void launch() throws IOException {
        int clientPort = Loopback.freePort();
        int peerPort = Loopback.freePort();
        String clientUrl = "http://127.0.0.1:" + clientPort;
        String peerUrl = "http://127.0.0.1:" + peerPort;
        // One member on loopback; no fsync, as etcd's own tests run: the data is thrown away after the test.
        etcd = LoggedProcess.start(List.of(GoTools.etcd().toString(),
                "--name", ETCD_NAME,
                "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", ETCD_NAME + "=" + peerUrl,
                "--unsafe-no-fsync"), Map.of(), dir.resolve("etcd.log"));
        awaitServing(etcd, "etcd", URI.create(clientUrl + "/health"), body -> body.contains("\"health\":\"true\""),
                () -> logTail(etcd, 40));

        writeServiceAccountKey();
        dir.write("tokens.csv", token + ",berth-e2e,berth-e2e,\"system:masters\"\n");
        apiServerPort = Loopback.freePort();
        apiServer = LoggedProcess.start(apiServerCommand(clientUrl), Map.of(), dir.resolve("kube-apiserver.log"));
        awaitServing(apiServer, "kube-apiserver", url().resolve("/readyz"), "ok"::equals,
                () -> logTail(apiServer, 60) + "\netcd log tail:\n" + logTail(etcd, 20));
    }

    /**
     * Each flag for a reason:
     * <ul>
     * <li>bind and advertise 127.0.0.1, a free secure port; the serving certificate is self-signed into the cert
     * dir (no --tls-cert-file).
     * <li>the service-account flags are required; one RSA key signs and verifies.
     * <li>a static token file with one token, and AlwaysAllow: kubelet and the test use that token; anonymous
     * auth off, as kube-apiserver would make it anyway with AlwaysAllow.
     * <li>a service cluster IP range: required for the Service allocator; only etcd holds its addresses.
     * <li>endpoint reconciler none: the default one would publish 127.0.0.1 as the kubernetes Service's endpoint,
     * which the API server's own validation rejects (a loopback address), every 10 s in its log.
     * </ul>
     */
    private List<String> apiServerCommand(String etcdUrl) {
        return List.of(GoTools.kubeApiserver().toString(),
                "--etcd-servers", etcdUrl,
                "--bind-address", "127.0.0.1",
                "--advertise-address", "127.0.0.1",
                "--secure-port", Integer.toString(apiServerPort),
                "--cert-dir", dir.resolve("pki").toString(),
                "--service-account-issuer", "https://kubernetes.default.svc",
                "--service-account-key-file", serviceAccountKey().toString(),
                "--service-account-signing-key-file", serviceAccountKey().toString(),
                "--anonymous-auth=false",
                "--token-auth-file", dir.resolve("tokens.csv").toString(),
                "--authorization-mode", "AlwaysAllow",
                "--service-cluster-ip-range", "10.0.0.0/24",
                "--endpoint-reconciler-type", "none");
    }

    /** The API server's URL: https on 127.0.0.1, with a certificate it signed itself. */
    public URI url() {
        return URI.create("https://127.0.0.1:" + apiServerPort);
    }

    /** The bearer token of a system:masters user, for kubelet's kubeconfig. */
    public String token() {
        return token;
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    /** The API server's log, for a failing test's report. */
    public String logTail(int lines) {
        return logTail(apiServer, lines);
    }

    /** Mirror pods go into the static pod's namespace, which must exist (no controller makes one). */
    private void createNamespace(String name) throws IOException {
        String body = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\"}}";
        HttpResponse<String> response;
        try {
            response = http.send(request(url().resolve("/api/v1/namespaces")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating namespace " + name, e);
        }
        // 409: one the API server makes itself (default, kube-system, ...), there already.
        if (response.statusCode() != 201 && response.statusCode() != 409) {
            throw new IllegalStateException("creating namespace " + name + ": HTTP " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /**
     * One RSA key, PKCS#8 in PEM, which kube-apiserver reads as the signing key and, for verifying, derives the
     * public key from. Made with the JDK's generator: no openssl needed on the machine.
     */
    private void writeServiceAccountKey() {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            pair = generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        dir.write("service-account.key", "-----BEGIN PRIVATE KEY-----\n"
                + pem.encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    private static String randomToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private Path serviceAccountKey() {
        return dir.resolve("service-account.key");
    }

    private void awaitServing(LoggedProcess process, String name, URI health,
            Predicate<String> healthy, Supplier<String> log) {
        try {
            await(name + " pid " + process.pid() + " healthy at " + health).atMost(STARTUP_TIMEOUT)
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited:\n" + log.get());
                        }
                        return healthy.test(http.send(request(health).GET().build(),
                                HttpResponse.BodyHandlers.ofString()).body().trim());
                    });
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\n" + name + " log tail:\n" + log.get(), e);
        }
    }

    private static String logTail(LoggedProcess process, int lines) {
        List<String> all = process == null ? List.of() : process.logText().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Stops kube-apiserver, then etcd (each by pid, SIGTERM then SIGKILL), then removes the dir. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (LoggedProcess process : new LoggedProcess[] {apiServer, etcd}) {
            try {
                if (process != null && process.isAlive()) {
                    process.terminate(STOP_TIMEOUT);
                }
            } catch (RuntimeException e) {
                failure = KubeletProcess.addTo(failure, e);
            }
        }
        try {
            dir.close();
        } catch (RuntimeException e) {
            failure = KubeletProcess.addTo(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException suppressed) {
            // The start failure is the one to report.
        }
    }
}
