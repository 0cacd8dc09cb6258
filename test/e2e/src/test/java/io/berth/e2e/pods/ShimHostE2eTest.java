package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ContainerStatus;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.PodSandboxState;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.HostCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shim host seen from outside berthd: kill -9 of the host with containers running kills none of them and
 * loses no log line, a new host adopts them, and a later exit is reported; a new build of berth replaces the
 * host's program in place (same pid) with containers running, their logs continuous, exec and attach working.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShimHostE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "sh", 219);

    private static final String COUNTER = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done";

    private static PodCalls cri() {
        return suite.cri();
    }

    @Test
    @Order(1)
    void aHostKilledWithSigkillKillsNoContainerLosesNoLogLineAndANewHostReportsLaterExits() throws Exception {
        Path trigger = suite.testbed().dir("trigger-" + System.nanoTime());
        String pod = cri().runPod(cri().podConfig("crash", NamespaceMode.POD));
        String counter = cri().run(pod, cri().shell("counter", COUNTER));
        String sleeper = cri().run(pod, cri().container("sleeper", "sleep", "300"));
        String exitsLater = cri().run(pod, cri().shell("exits-later",
                "while [ ! -e /trigger/go ]; do sleep 0.1; done; exit 7")
                .addMounts(Mount.newBuilder().setHostPath(trigger.toString()).setContainerPath("/trigger")));
        Path counterLog = cri().logPath(counter);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= 5);
        long host = cri().shimPid(counter);
        // In node and pod grouping one host carries all three; with a host per container only the counter's dies.
        boolean exitsLaterLosesItsHost = cri().shimPid(exitsLater) == host;
        List<Long> pids = List.of(cri().pid(counter), cri().pid(sleeper), cri().pid(exitsLater));

        HostCommands.kill9(host);
        int linesAtKill = CriLogLine.read(counterLog).size();
        await().atMost(PodCalls.EXIT_TIMEOUT).ignoreExceptions()
                .until(() -> cri().shimPid(counter) != host && cri().shimPid(sleeper) != host);

        assertThat(List.of(cri().pid(counter), cri().pid(sleeper), cri().pid(exitsLater))).isEqualTo(pids);
        for (String id : List.of(counter, sleeper, exitsLater)) {
            assertThat(cri().status(id).getState()).as(id).isEqualTo(ContainerState.CONTAINER_RUNNING);
        }
        assertThat(cri().podStatus(pod).getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= linesAtKill + 5);

        // The new host is not the parent of a container it adopted: the exit is reported, its code unknown.
        Files.writeString(trigger.resolve("go"), "");
        ContainerStatus later = cri().awaitExit(exitsLater);
        if (exitsLaterLosesItsHost) {
            assertThat(later.getExitCode()).isEqualTo(255);
            assertThat(later.getReason()).isEqualTo("Unknown");
            assertThat(later.getMessage()).contains("shim host");
        } else {
            assertThat(later.getExitCode()).as("its own host lives on and knows the code").isEqualTo(7);
        }

        cri().stop(counter, 0);
        List<Integer> numbers = cri().output(counter).stream().map(Integer::parseInt).toList();
        assertThat(numbers).as("no line lost or repeated across the host's death")
                .isEqualTo(IntStream.range(0, numbers.size()).boxed().toList())
                .hasSizeGreaterThanOrEqualTo(linesAtKill + 5);
        assertThat(ProcessHandle.of(host)).as("the killed host").isEmpty();
    }

    @Test
    @Order(2)
    void aNewBuildReplacesTheHostProgramInPlaceWithContainersRunning() throws Exception {
        BerthdProcess berthd = suite.testbed().berthd();
        String pod = cri().runPod("upgrade");
        String counter = cri().run(pod, cri().shell("counter", COUNTER));
        String sleeper = cri().run(pod, cri().container("sleeper", "sleep", "300"));
        Path counterLog = cri().logPath(counter);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= 5);
        long host = cri().shimPid(counter);
        List<Long> pids = List.of(cri().pid(counter), cri().pid(sleeper));
        Path nextBuild = copyOfTheDist();

        berthd.restartWith(nextBuild.resolve("bin/berthd"));

        assertThat(cri().shimPid(counter)).as("the host's pid").isEqualTo(host);
        assertThat(HostResidue.cmdlineOf(host)).as("the host runs the new build").contains(nextBuild.toString());
        assertThat(List.of(cri().pid(counter), cri().pid(sleeper))).isEqualTo(pids);
        int linesAfter = CriLogLine.read(counterLog).size();
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(counterLog).size() >= linesAfter + 5);

        ExecSyncResponse exec = cri().runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(sleeper)
                .addCmd("echo").addCmd("exec-after-upgrade").setTimeout(30).build());
        assertThat(exec.getExitCode()).isZero();
        assertThat(new String(exec.getStdout().toByteArray(), StandardCharsets.UTF_8)).isEqualTo("exec-after-upgrade\n");
        assertThat(crictl(berthd, "exec", sleeper, "echo", "crictl-exec")).isEqualTo("crictl-exec\n");
        assertThat(attachedOutput(berthd, counter)).as("crictl attach streams the counter").isNotEmpty();

        cri().stop(counter, 0);
        List<Integer> numbers = cri().output(counter).stream().map(Integer::parseInt).toList();
        assertThat(numbers).as("no line lost or repeated across the upgrade")
                .isEqualTo(IntStream.range(0, numbers.size()).boxed().toList());
        berthd.restartWith(E2eSettings.berthdLauncher()); // back to this build for the rest of the class
    }

    /** The packaged berthd copied elsewhere: another build, as far as a running host can tell. */
    private static Path copyOfTheDist() throws IOException {
        Path dist = E2eSettings.berthdLauncher().getParent().getParent();
        Path copy = suite.testbed().dir("next-build-" + System.nanoTime()).resolve("berthd");
        HostCommands.run("cp", "-a", dist.toString(), copy.toString());
        return copy;
    }

    /** crictl's stdout (its stderr warns that it has no config file). */
    private static String crictl(BerthdProcess berthd, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(GoTools.crictl().toString(),
                "--runtime-endpoint", "unix://" + berthd.socket(), "--timeout", "30s"));
        command.addAll(List.of(args));
        Process crictl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(crictl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(crictl.waitFor(30, TimeUnit.SECONDS)).as("crictl %s finished", args[0]).isTrue();
        assertThat(crictl.exitValue()).as("crictl %s", String.join(" ", args)).isZero();
        return out;
    }

    /** What {@code crictl attach} prints within a few lines of the counter (no stdin, no terminal). */
    private static String attachedOutput(BerthdProcess berthd, String container) throws Exception {
        Path out = suite.testbed().dir("attach-" + System.nanoTime()).resolve("out");
        Process attach = new ProcessBuilder(GoTools.crictl().toString(), "--runtime-endpoint",
                "unix://" + berthd.socket(), "attach", container)
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(out)
                    && Files.readString(out).lines().filter(l -> l.matches("\\d+")).count() >= 3);
            return Files.readString(out);
        } finally {
            attach.destroy();
            attach.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
