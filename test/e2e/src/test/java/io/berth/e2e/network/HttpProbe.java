package io.berth.e2e.network;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One HTTP/1.0 GET from the test JVM (the host's network namespace), the request the pods' nc sends. */
final class HttpProbe {
    private static final int TIMEOUT_MILLIS = 5_000;

    private HttpProbe() {}

    /** The whole answer, headers and body; an exception when nothing answers. */
    static String get(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Whether a connection to host:port is refused or times out: nothing (or no rule) answers there. */
    static boolean unanswered(String host, int port) {
        try {
            return !get(host, port).contains(WebImage.PAGE);
        } catch (IOException e) {
            return true;
        }
    }
}
