package io.berth.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.shim.client.LaunchOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spare shim never outlives the berthd that started it, even one that died while the spare's JVM booted. */
class SpareShimTest {
    @TempDir
    Path dir;

    @Test
    void aSpareWhoseBerthdDiedBeforeItsJvmWasUpExits() throws Exception {
        LaunchOptions options = LaunchOptions.defaults();
        Path socket = dir.resolve("spare-1.sock");
        List<String> java = new ArrayList<>(List.of(options.javaBinary()));
        java.addAll(options.jvmOptions());
        java.addAll(List.of("-cp", options.classpath(), "io.berth.shim.ShimMain", "--spare", socket.toString()));
        // sh stands in for berthd: it starts the spare with its own pid and exits at once, long before the
        // spare's JVM runs its first line, so the spare belongs to init from the start.
        String script = java.stream().map(SpareShimTest::quoted).collect(Collectors.joining(" "))
                + " \"$$\" >" + quoted(dir.resolve("spare.log").toString()) + " 2>&1 & echo $!";
        Process sh = new ProcessBuilder("sh", "-c", script).start();
        long sparePid = Long.parseLong(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        sh.waitFor();
        Optional<ProcessHandle> spare = ProcessHandle.of(sparePid);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> spare.map(p -> !p.isAlive()).orElse(true));
        } finally {
            spare.ifPresent(ProcessHandle::destroyForcibly);
        }
        assertThat(socket).doesNotExist();
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
