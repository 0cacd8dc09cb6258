package io.berth.server.image.registry;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.berth.common.validate.Require;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * berth's HTTP/1.1 client for registries and token services: one request on a connection of its own. It replaced
 * the JDK client for three reasons:
 * <ul>
 *   <li>the JDK client hands a body over in a new heap buffer per socket read: a 112 MiB pull made 112 MiB of
 *       garbage, which berthd's small young generation promoted and full collections then swept, some half of the
 *       pull's time. Here the body goes from the socket into the reader's own array;
 *   <li>the JDK client makes the default TLS context when it is built, also for plain http, which parses the
 *       system's CA store and loads the TLS stack; here TLS is set up only for an https request;
 *   <li>it keeps a selector thread and some 150 classes of its own for the daemon's life.
 * </ul>
 *
 * <p>The connection is closed with the body ({@code Connection: close}): a pull makes a few requests and one per
 * layer, and no pool has to be bounded or cleaned; a TLS context resumes its sessions, so a reconnect to
 * the same host is a short handshake. Redirects and credentials are {@link RegistryHttp}'s; this class only
 * speaks the protocol, within bounds on what the server sends.
 */
final class SocketHttp {
    /** Header lines in a response head; with {@link HttpWire#MAX_LINE} per line that bounds the head. */
    static final int MAX_HEADERS = 128;
    /** Headers that frame the request: set here, never taken from outside (as the JDK client does). */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");
    /** Interim (1xx) responses skipped before the real one. */
    private static final int MAX_INTERIM = 8;

    private final Duration connectTimeout;
    private final Duration stallTimeout;
    private final MinimumRate minimumRate;

    SocketHttp(Duration connectTimeout, Duration stallTimeout, MinimumRate minimumRate) {
        this.connectTimeout = connectTimeout;
        this.stallTimeout = stallTimeout;
        this.minimumRate = minimumRate;
    }

    /**
     * Sends {@code method} (GET, or POST with {@code body}) to {@code uri} with {@code headers} (names and values
     * checked by {@link #checkHeader}) and returns the response with its body unread. {@code tls} is asked for
     * only for https. {@code what} names the transfer in messages.
     */
    RegistryResponse send(String method, URI uri, List<Map.Entry<String, String>> headers, byte[] body,
            Supplier<SSLContext> tls, String what) throws IOException {
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new IllegalArgumentException("berth sends only GET and POST, not " + method);
        }
        String host = uri.getHost();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        Socket socket = new Socket();
        HttpWire wire = null;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE,
                    Math.max(1, connectTimeout.toMillis())));
            if (https) {
                socket = secure(socket, tls.get(), host, port);
            }
            wire = new HttpWire(socket, new BodyGuard(stallTimeout, MinimumRate.OFF, what));
            writeRequest(socket.getOutputStream(), method, uri, headers, body);
            int status = readStatus(wire);
            HttpHeaders responseHeaders = readHeaders(wire);
            wire.guardWith(new BodyGuard(stallTimeout, minimumRate, what));
            SocketBody responseBody = body(wire, status, responseHeaders);
            return new RegistryResponse(status, responseHeaders, responseBody, uri);
        } catch (IOException | RuntimeException e) {
            if (wire != null) {
                wire.close();
            } else {
                socket.close();
            }
            throw e;
        }
    }

    private Socket secure(Socket plain, SSLContext tls, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters parameters = socket.getSSLParameters();
        // The name is checked against the certificate, as browsers and the JDK client do. (skip_verify's trust manager
        // accepts every name too, as it does there.)
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, stallTimeout.toMillis())));
        socket.startHandshake();
        return socket;
    }

    /**
     * Refuses a header that would change the request's framing: a name that is not an HTTP token, or a value with
     * a line break, NUL or other control character (configured headers and tokens come from outside berthd).
     */
    static void checkHeader(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("restricted header name: \"" + name + "\"");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("invalid header name '" + Require.printable(name) + "'");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' && c != '\t' || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("invalid value for header " + name);
            }
        }
    }

    private static void writeRequest(OutputStream out, String method, URI uri, List<Map.Entry<String, String>> headers,
            byte[] body) throws IOException {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder request = new StringBuilder(256 + 64 * headers.size());
        request.append(method).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            request.append('?').append(uri.getRawQuery());
        }
        request.append(" HTTP/1.1\r\nHost: ").append(hostHeader(uri)).append("\r\n");
        for (Map.Entry<String, String> header : headers) {
            checkHeader(header.getKey(), header.getValue());
            request.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        if (body != null) {
            request.append("Content-Length: ").append(body.length).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        out.write(request.toString().getBytes(ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    private static String hostHeader(URI uri) {
        String authority = uri.getRawAuthority();
        int at = authority.lastIndexOf('@');
        return at < 0 ? authority : authority.substring(at + 1);
    }

    private static int readStatus(HttpWire wire) throws IOException {
        for (int interim = 0; ; interim++) {
            String line = wire.readLine();
            if (line == null) {
                throw new IOException(wire.what() + ": the server closed the connection without answering");
            }
            if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' '
                    || (line.length() > 12 && line.charAt(12) != ' ')) {
                throw new IOException(wire.what() + ": not an HTTP/1.x status line: '"
                        + Require.printable(line.length() > 80 ? line.substring(0, 80) + "..." : line) + "'");
            }
            int status;
            try {
                status = Integer.parseInt(line.substring(9, 12));
            } catch (NumberFormatException e) {
                throw new IOException(wire.what() + ": not an HTTP status code in '" + Require.printable(
                        line.substring(9, 12)) + "'");
            }
            if (status < 100 || status > 599) {
                throw new IOException(wire.what() + ": HTTP status " + status + " is out of range");
            }
            if (status >= 200 || status == 101) {
                return status;
            }
            readHeaders(wire); // an interim response's headers mean nothing here
            if (interim >= MAX_INTERIM) {
                throw new IOException(wire.what() + ": more than " + MAX_INTERIM + " interim responses");
            }
        }
    }

    private static HttpHeaders readHeaders(HttpWire wire) throws IOException {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int count = 0; ; count++) {
            String line = wire.readLine();
            if (line == null) {
                throw new IOException(wire.what() + ": the connection closed in the middle of the response headers");
            }
            if (line.isEmpty()) {
                return HttpHeaders.of(headers, (name, value) -> true);
            }
            if (count >= MAX_HEADERS) {
                throw new IOException(wire.what() + ": the response has more than " + MAX_HEADERS + " header lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new IOException(wire.what() + ": malformed response header '"
                        + Require.printable(line.length() > 80 ? line.substring(0, 80) + "..." : line) + "'");
            }
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
    }

    private static SocketBody body(HttpWire wire, int status, HttpHeaders headers) throws IOException {
        if (status == 101) {
            throw new IOException(wire.what() + ": the server switched protocols, which berth never asks for");
        }
        List<String> codings = headers.allValues("Transfer-Encoding");
        if (!codings.isEmpty()) {
            String last = codings.get(codings.size() - 1);
            String[] parts = last.split(",");
            if (parts[parts.length - 1].trim().toLowerCase(Locale.ROOT).equals("chunked")) {
                return new SocketBody(wire, SocketBody.Framing.CHUNKED, -1);
            }
            return new SocketBody(wire, SocketBody.Framing.UNTIL_CLOSE, -1);
        }
        if (status == 204 || status == 304) {
            return new SocketBody(wire, SocketBody.Framing.LENGTH, 0);
        }
        List<String> lengths = headers.allValues("Content-Length");
        if (lengths.isEmpty()) {
            return new SocketBody(wire, SocketBody.Framing.UNTIL_CLOSE, -1);
        }
        long length = -1;
        for (String value : lengths) {
            for (String part : value.split(",")) {
                long parsed = parseLength(wire, part.trim());
                if (length >= 0 && parsed != length) {
                    throw new IOException(wire.what() + ": the response has conflicting Content-Length headers");
                }
                length = parsed;
            }
        }
        return new SocketBody(wire, SocketBody.Framing.LENGTH, length);
    }

    private static long parseLength(HttpWire wire, String value) throws IOException {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IOException(wire.what() + ": invalid Content-Length '" + Require.printable(
                    value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'");
        }
        return Long.parseLong(value);
    }
}
