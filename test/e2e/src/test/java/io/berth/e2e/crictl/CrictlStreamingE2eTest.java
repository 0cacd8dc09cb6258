package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * crictl's streaming commands (exec, attach, port-forward) through the real crictl against a packaged berthd, in
 * a pod and containers made from crictl's documentation configs. Terminals are real: crictl runs under
 * {@code script}, which gives it a pty as its stdin and stdout.
 */
class CrictlStreamingE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static final int HTTPD_PORT = 8080;

    private static CrictlTestbed testbed;
    private static Crictl crictl;
    private static String podConfig;
    private static String pod;
    private static String sleeper;

    @BeforeAll
    static void startPod() throws Exception {
        testbed = CrictlTestbed.start(daemons, "str");
        crictl = testbed.crictl();
        testbed.pullImage();
        podConfig = testbed.docsPod("streaming-sandbox");
        pod = testbed.runp(podConfig);
        sleeper = testbed.createAndStart(pod, testbed.docsContainer("busybox", "top"), podConfig);
        testbed.awaitState(sleeper, "CONTAINER_RUNNING");
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void execSyncPrintsBothStreamsAndFailsWhenTheCommandFails() {
        CommandResult ok = crictl.ok("exec", "-s", sleeper, "sh", "-c", "echo out; echo err >&2");
        // crictl prints stdout and then stderr, each followed by a newline of its own.
        assertThat(ok.stdout()).isEqualTo("out\n\nerr\n\n");

        CommandResult failed = crictl.run("exec", "--sync", sleeper, "sh", "-c", "echo bad >&2; exit 3");
        assertThat(failed.exitCode()).as("%s", failed).isEqualTo(1);
        assertThat(failed.stderr()).as("%s", failed).contains("exited with 3").contains("bad");
    }

    @Test
    void execInteractiveFeedsStdinToTheCommandAndEndsWhenItCloses() {
        String input = "hello from the host\nand a second line\n";

        CommandResult cat = Crictl.run(crictl.command("exec", "-i", sleeper, "cat"),
                input.getBytes(StandardCharsets.UTF_8));

        assertThat(cat.exitCode()).as("%s", cat).isZero();
        assertThat(cat.stdout()).as("%s", cat).isEqualTo(input);
    }

    @Test
    void execWithATerminalRunsOnAPtyOfTheTerminalsSize() {
        // The size crictl's own terminal has (set by the shell script runs) is what the command must see. crictl
        // sends it on the resize stream once the session is up, so the command may start on a 0x0 terminal (busybox
        // stty then fails): it waits until the size has come.
        String exec = crictl.shellCommand("exec", "-it", sleeper, "sh", "-c", "tty; "
                + "until s=$(stty size 2>/dev/null) && [ -n \"$s\" ] && [ \"$s\" != \"0 0\" ]; do sleep 0.1; done; "
                + "echo size $s");
        try (Crictl.Background terminal = Crictl.Background.start(List.of("script", "-qfec",
                "stty rows 40 cols 100; " + exec, "/dev/null"))) {
            assertThat(terminal.awaitExit(Crictl.COMMAND_TIMEOUT)).as("%s", terminal).isZero();
            String out = terminal.stdout().replace("\r", "");
            assertThat(out).as("%s", terminal).containsPattern("(?m)^/dev/pts/\\d+$").contains("size 40 100\n");
        }
    }

    @Test
    void attachWithATerminalTalksToTheContainersShellUntilItExits() {
        String config = testbed.write("shell-container.json", """
                {
                  "metadata": {"name": "shell"},
                  "image": {"image": "%s"},
                  "command": ["sh"],
                  "stdin": true,
                  "tty": true,
                  "log_path": "shell.0.log",
                  "linux": {}
                }
                """.formatted(testbed.image()));
        String shell = testbed.createAndStart(pod, config, podConfig);
        testbed.awaitState(shell, "CONTAINER_RUNNING");

        try (Crictl.Background terminal = Crictl.Background.start(List.of("script", "-qfec",
                crictl.shellCommand("attach", "-it", shell), "/dev/null"))) {
            terminal.write("echo attached-$((40+2))\n");
            await().atMost(CrictlTestbed.TIMEOUT).until(terminal::stdout, out -> out.contains("attached-42\r\n"));

            terminal.write("exit 0\n");
            assertThat(terminal.awaitExit(Crictl.COMMAND_TIMEOUT)).as("%s", terminal).isZero();
        }
        testbed.awaitState(shell, "CONTAINER_EXITED");
        assertThat(testbed.inspect(shell).at("/status/exitCode").asInt()).isZero();
        assertThat(crictl.ok("logs", shell).stdout()).contains("attached-42");
    }

    @Test
    void portForwardCarriesConnectionsFromALocalPortToAServerInThePod() throws Exception {
        String web = testbed.createAndStart(pod, testbed.docsContainer("web", "httpd", "-f", "-p",
                Integer.toString(HTTPD_PORT), "-h", "/www"), podConfig);
        testbed.awaitState(web, "CONTAINER_RUNNING");
        int local = freeLocalPort();

        try (Crictl.Background forward = crictl.start("port-forward", pod, local + ":" + HTTPD_PORT)) {
            await().atMost(CrictlTestbed.TIMEOUT).until(forward::stdout,
                    out -> out.contains("Forwarding from 127.0.0.1:" + local + " -> " + HTTPD_PORT));
            // httpd may still be starting: the first connections can find nothing listening in the pod yet.
            await().atMost(CrictlTestbed.TIMEOUT).ignoreExceptions().until(() -> get(local),
                    page -> page.contains(CrictlTestbed.INDEX_HTML));

            String second = get(local);
            assertThat(second).startsWith("HTTP/1.").contains(" 200 ").endsWith(CrictlTestbed.INDEX_HTML);
            assertThat(forward.stdout()).contains("Handling connection for " + local);
            assertThat(forward.isAlive()).as("%s", forward).isTrue();
        }
    }

    /** {@code GET /} over a plain socket from the host: what came back, headers and page. */
    private static String get(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int freeLocalPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
