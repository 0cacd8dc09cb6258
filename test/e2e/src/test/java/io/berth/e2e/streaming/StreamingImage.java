package io.berth.e2e.streaming;

import io.berth.e2e.fixtures.LayerBuilder;
import io.berth.e2e.fixtures.TestImage;

/**
 * The image every streaming test runs: Debian's static busybox with the applets the tests use (a shell, {@code cat}
 * for echoes, {@code stty} and {@code tty} for terminals, {@code yes} for floods, {@code ps} to look for leftovers,
 * {@code httpd} for port-forward) and a page for httpd to serve.
 */
final class StreamingImage {
    static final String REPOSITORY = "streaming/busybox";
    static final String TAG = "e2e";
    /** What {@code httpd -h /www} answers for {@code GET /}. */
    static final String INDEX_HTML = "<h1>served from inside the pod</h1>\n";

    private static final String[] APPLETS = {
        "sh", "cat", "echo", "stty", "tty", "yes", "ps", "sleep", "true", "false", "httpd", "head", "wget", "printf",
        "kill", "wc", "ls", "seq", "env", "tr", "dd",
    };

    private StreamingImage() {
    }

    static TestImage build() {
        LayerBuilder layer = new LayerBuilder()
                .busybox(APPLETS)
                .dir("etc", 0755)
                .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/group", 0644, "root:x:0:\n")
                .dir("www", 0755)
                .file("www/index.html", 0644, INDEX_HTML)
                .dir("tmp", 01777)
                .dir("root", 0700);
        return TestImage.builder()
                .layer(layer.build(LayerBuilder.Compression.GZIP))
                .env("PATH=/bin")
                .build();
    }
}
