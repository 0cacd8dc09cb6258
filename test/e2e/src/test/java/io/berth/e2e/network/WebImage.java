package io.berth.e2e.network;

import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;

/**
 * The image every network test runs: Debian's static busybox with the applets for a web server
 * ({@code httpd -f -p 8080 -h /www}) and a client ({@code nc}), and an index page whose text proves the
 * answer came from this server and no other listener.
 */
final class WebImage {
    static final String REPOSITORY = "net/web";
    static final String TAG = "e2e";
    static final int HTTP_PORT = 8080;
    static final String PAGE = "served by busybox httpd in a berth pod";

    private WebImage() {}

    static TestImage build() {
        LayerBuilder layer = new LayerBuilder()
                .busybox("sh", "httpd", "nc", "printf", "echo", "cat", "sleep", "ping", "ip", "true")
                .dir("www", 0755)
                .file("www/index.html", 0644, PAGE + "\n")
                .dir("tmp", 01777);
        return TestImage.builder()
                .layer(layer.build(LayerBuilder.Compression.GZIP))
                .env("PATH=/bin")
                .cmd("sh")
                .build();
    }

    /** The server's command line: foreground, so the container lives as long as the server does. */
    static String[] httpd() {
        return new String[] {"httpd", "-f", "-p", String.valueOf(HTTP_PORT), "-h", "/www"};
    }

    /**
     * A client command: one HTTP/1.0 GET through {@code nc}, whose exit status is nc's. Static glibc's wget
     * needs NSS files this image does not have; nc needs nothing.
     */
    static String[] get(String host, int port) {
        return new String[] {"sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 " + host + " " + port};
    }
}
