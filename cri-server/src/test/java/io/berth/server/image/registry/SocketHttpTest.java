package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth's HTTP/1.1 client: framing, the bounds on what a server sends, POST bodies, and TLS set up only for https. */
class SocketHttpTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private ScriptedServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(ISO_8859_1);
    }

    private static byte[] readAll(RegistryResponse response) throws IOException {
        try (response) {
            return response.body().readAllBytes();
        }
    }

    private RegistryResponse get(byte[] answer) throws IOException {
        server = ScriptedServer.plain(answer);
        return new SocketHttp(TIMEOUT, TIMEOUT, MinimumRate.DEFAULT).send("GET",
                server.uri("/v2/app/blobs/x?sig=a%20b"), List.of(Map.entry("Authorization", "Bearer t")), null,
                SocketHttpTest::noTls, "blob x");
    }

    @Test
    void readsAChunkedBodyWithExtensionsAndTrailersAndSendsAWellFormedRequest() throws IOException {
        RegistryResponse response = get(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(new String(readAll(response), ISO_8859_1)).isEqualTo("hello, world");
        assertThat(server.requests()).singleElement().asString()
                .startsWith("GET /v2/app/blobs/x?sig=a%20b HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\n")
                .contains("\r\nAuthorization: Bearer t\r\n", "\r\nConnection: close\r\n").endsWith("\r\n\r\n");
    }

    @Test
    void skipsAnInterimResponseAndReadsAContentLengthBody() throws IOException {
        RegistryResponse response = get(ascii("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                + "content-length: 3\r\n\r\nabcTRAILING-GARBAGE"));

        assertThat(response.contentLength()).hasValue(3);
        assertThat(readAll(response)).isEqualTo(ascii("abc"));
    }

    @Test
    void aBodyCutShortIsAnErrorNotAShortBlob() throws IOException {
        RegistryResponse response = get(ascii("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));

        assertThatThrownBy(() -> readAll(response)).isInstanceOf(IOException.class)
                .hasMessageContaining("closed with 7 bytes of the body still to come");
    }

    @Test
    void refusesWhatAHostileServerSends() {
        String longLine = "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(HttpWire.MAX_LINE) + "\r\n\r\n";
        assertThatThrownBy(() -> get(ascii(longLine))).hasMessageContaining("a line longer than 16384 bytes");
        server.closeQuietly();

        String manyHeaders = "HTTP/1.1 200 OK\r\n" + "X-A: b\r\n".repeat(SocketHttp.MAX_HEADERS + 1) + "\r\n";
        assertThatThrownBy(() -> get(ascii(manyHeaders))).hasMessageContaining("more than 128 header lines");
        server.closeQuietly();

        assertThatThrownBy(() -> get(ascii("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")))
                .hasMessageContaining("conflicting Content-Length");
        server.closeQuietly();

        assertThatThrownBy(() -> get(ascii("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")))
                .hasMessageContaining("invalid Content-Length '-1'");
        server.closeQuietly();

        assertThatThrownBy(() -> get(ascii("SSH-2.0-OpenSSH\r\n\r\n"))).hasMessageContaining("not an HTTP/1.x status");
    }

    @Test
    void refusesMalformedChunks() throws IOException {
        RegistryResponse huge = get(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1000000000000000\r\n"));
        assertThatThrownBy(() -> readAll(huge)).hasMessageContaining("malformed chunked body: chunk size");
        server.closeQuietly();

        RegistryResponse unterminated = get(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabcX\r\n0\r\n\r\n"));
        assertThatThrownBy(() -> readAll(unterminated)).hasMessageContaining("chunk data not followed by CRLF");
    }

    @Test
    void aSilentServerEndsTheReadAtTheStallTimeout() throws IOException {
        server = ScriptedServer.plain(ascii("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
        server.holdOpen = true;
        RegistryResponse response = new SocketHttp(TIMEOUT, Duration.ofMillis(300), MinimumRate.OFF)
                .send("GET", server.uri("/b"), List.of(), null, SocketHttpTest::noTls, "blob y");

        assertThatThrownBy(() -> readAll(response)).isInstanceOf(DeadlineExceededException.class)
                .hasMessageContaining("blob y stalled: no data for 300 ms");
    }

    @Test
    void postsAFormWithItsLengthAndNeverSetsUpTlsForPlainHttp() throws IOException {
        server = ScriptedServer.plain(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
        byte[] form = ascii("grant_type=refresh_token&scope=repository%3Aapp%3Apull");

        RegistryResponse response = new SocketHttp(TIMEOUT, TIMEOUT, MinimumRate.DEFAULT).send("POST",
                server.uri("/token"), List.of(Map.entry("Content-Type", "application/x-www-form-urlencoded")), form,
                SocketHttpTest::noTls, "token");

        assertThat(new String(readAll(response), ISO_8859_1)).isEqualTo("{}");
        assertThat(server.requests()).singleElement().asString()
                .startsWith("POST /token HTTP/1.1\r\n")
                .contains("\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                        "\r\nContent-Length: " + form.length + "\r\n")
                .endsWith("\r\n\r\n" + new String(form, ISO_8859_1));
    }

    @Test
    void refusesMethodsItDoesNotSend() throws IOException {
        server = ScriptedServer.plain(ascii("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));

        assertThatThrownBy(() -> new SocketHttp(TIMEOUT, TIMEOUT, MinimumRate.DEFAULT).send("DELETE",
                server.uri("/v2/app/manifests/1"), List.of(), null, SocketHttpTest::noTls, "manifest"))
                .hasMessageContaining("not DELETE");
    }

    /** The TLS setup for a plain-http request: asking for it is the failure. */
    private static SSLContext noTls() {
        throw new AssertionError("TLS set up for a plain-http request");
    }

    @Test
    void refusesHeadersThatWouldChangeTheRequest() {
        assertThatThrownBy(() -> SocketHttp.checkHeader("X-A", "v\r\nHost: evil")).hasMessageContaining("invalid value");
        assertThatThrownBy(() -> SocketHttp.checkHeader("X A", "v")).hasMessageContaining("invalid header name");
        assertThatThrownBy(() -> SocketHttp.checkHeader("Host", "evil")).hasMessageContaining("restricted");
    }

    @Test
    void fetchesABlobOverTlsTrustingTheHostsCaFileAndRefusesWithoutIt() throws Exception {
        byte[] blob = ascii("layer bytes over TLS");
        Digest digest = Digest.sha256Of(blob);
        Path keystore = dir.resolve("server.p12");
        Path ca = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-storetype", "PKCS12");
        keytool("-exportcert", "-rfc", "-alias", "registry", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", ca.toString());
        server = ScriptedServer.tls(serverContext(keystore), concat(ascii("HTTP/1.1 200 OK\r\nContent-Length: "
                + blob.length + "\r\n\r\n"), blob));
        String authority = "127.0.0.1:" + server.port();
        ImageReference image = ImageReference.parse(authority + "/library/app:1");
        Descriptor descriptor = new Descriptor("application/octet-stream", digest, blob.length);
        Path etc = dir.resolve("etc");
        Path hostDir = Files.createDirectories(etc.resolve("certs.d").resolve(authority));
        Files.writeString(hostDir.resolve("hosts.toml"), "server = \"https://" + authority + "\"\nca = \""
                + ca + "\"\n");

        BlobInfo info = new RegistryClient(new HostsConfig(etc), RegistrySettings.defaults())
                .fetchBlob(image, RegistryCredentials.ANONYMOUS, descriptor, ContentStore.open(dir.resolve("root")),
                        DownloadProgress.NONE);

        assertThat(info.size()).isEqualTo(blob.length);
        Files.delete(hostDir.resolve("hosts.toml"));
        Files.writeString(hostDir.resolve("hosts.toml"), "server = \"https://" + authority + "\"\n");
        assertThatThrownBy(() -> new RegistryClient(new HostsConfig(etc), RegistrySettings.defaults())
                .fetchBlob(image, RegistryCredentials.ANONYMOUS, descriptor, ContentStore.open(dir.resolve("root2")),
                        DownloadProgress.NONE))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("cannot reach registry " + authority);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static SSLContext serverContext(Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** Answers every connection with the same bytes after reading its request head; records the heads. */
    private static final class ScriptedServer implements AutoCloseable {
        private final ServerSocket socket;
        private final byte[] answer;
        private final List<String> requests = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        volatile boolean holdOpen;

        private ScriptedServer(ServerSocket socket, byte[] answer) {
            this.socket = socket;
            this.answer = answer;
            Thread t = new Thread(this::serve, "scripted-registry");
            t.setDaemon(true);
            t.start();
        }

        static ScriptedServer plain(byte[] answer) throws IOException {
            return new ScriptedServer(new ServerSocket(0, 8, InetAddress.getLoopbackAddress()), answer);
        }

        static ScriptedServer tls(SSLContext context, byte[] answer) throws IOException {
            return new ScriptedServer(context.getServerSocketFactory().createServerSocket(0, 8,
                    InetAddress.getLoopbackAddress()), answer);
        }

        int port() {
            return socket.getLocalPort();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port() + path);
        }

        List<String> requests() {
            return requests;
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    open.add(connection);
                    InputStream in = connection.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!new String(head.toByteArray(), ISO_8859_1).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        head.write(b);
                    }
                    String request = new String(head.toByteArray(), ISO_8859_1);
                    Matcher length = Pattern.compile("\r\nContent-Length: (\\d+)\r\n").matcher(request);
                    if (length.find()) {
                        request += new String(in.readNBytes(Integer.parseInt(length.group(1))), ISO_8859_1);
                    }
                    requests.add(request);
                    OutputStream out = connection.getOutputStream();
                    out.write(answer);
                    out.flush();
                    if (!holdOpen) {
                        connection.close();
                    }
                } catch (IOException e) {
                    // a handshake the client refused, or the server closing
                }
            }
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // test cleanup
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
