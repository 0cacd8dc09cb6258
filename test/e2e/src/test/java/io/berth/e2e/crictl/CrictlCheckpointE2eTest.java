package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.harness.CommandResult;
import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code crictl checkpoint --export}: CRIU through runc. Where CRIU works, the archive has CRI-O's layout and the
 * container keeps running; where it cannot (Debian's CRIU 3.17 fails {@code criu check} on newer kernels), crictl
 * shows FAILED_PRECONDITION with CRIU's own error, no archive appears and the container keeps running.
 */
class CrictlCheckpointE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static CrictlTestbed testbed;
    private static Crictl crictl;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = CrictlTestbed.start(daemons, "ckp");
        crictl = testbed.crictl();
        testbed.pullImage();
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void aRunningContainerIsCheckpointedOrRefusedWithCriusOwnError() throws Exception {
        String podConfig = testbed.docsPod("checkpointed");
        String pod = testbed.runp(podConfig);
        String container = testbed.createAndStart(pod, testbed.docsContainer("sleeper", "sleep", "3600"), podConfig);
        Path archive = Files.createTempDirectory("berth-checkpoint").resolve("sleeper.tar");
        try {
            CommandResult result = crictl.run("checkpoint", "--export=" + archive, container);
            Optional<String> criuProblem = criuCheckError();
            if (criuProblem.isPresent()) {
                assertThat(result.exitCode()).as(result.toString()).isNotZero();
                assertThat(result.stderr()).contains("FailedPrecondition").contains("failed in CRIU")
                        .contains(criuProblem.get());
                assertThat(archive).doesNotExist();
                assertThat(Files.list(archive.getParent())).as("nothing left beside the archive").isEmpty();
            } else {
                assertThat(result.exitCode()).as(result.toString()).isZero();
                List<String> entries = List.of(tar("-tf", archive.toString()).split("\n"));
                assertThat(entries).contains("./config.dump", "./spec.dump", "./rootfs-diff.tar")
                        .anyMatch(e -> e.startsWith("./checkpoint/"));
            }
            // Either way the container was left running, as kubelet's forensic checkpoint expects.
            assertThat(testbed.state(container)).isEqualTo("CONTAINER_RUNNING");
        } finally {
            Files.deleteIfExists(archive);
            Files.deleteIfExists(archive.getParent());
        }
    }

    /** What {@code criu check} says is wrong on this host, as its first "Error" line's text; empty when it works. */
    private static Optional<String> criuCheckError() throws Exception {
        Process p = new ProcessBuilder("criu", "check").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() == 0) {
            return Optional.empty();
        }
        return out.lines().filter(l -> l.contains("Error (")).findFirst()
                .map(l -> l.substring(l.indexOf("): ") + 3).trim()).or(() -> Optional.of("criu"));
    }

    private static String tar(String... args) throws Exception {
        Process p = new ProcessBuilder(List.of("tar", args[0], args[1])).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
