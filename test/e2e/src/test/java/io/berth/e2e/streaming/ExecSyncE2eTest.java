package io.berth.e2e.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ExecSyncResponse;
import io.berth.e2e.harness.CriClient;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ExecSync (kubelet's exec probes, {@code crictl exec -s}) in a running busybox container. */
class ExecSyncE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    /** Per stream, containerd's limit, which berth keeps. */
    private static final int OUTPUT_CAP = 16 * 1024 * 1024;

    private static StreamingTestbed testbed;
    private static String container;

    @BeforeAll
    static void startContainer() throws Exception {
        testbed = StreamingTestbed.start(daemons, "es");
        container = testbed.runSleeper(testbed.runPod("execsync"), "sleeper");
    }

    @AfterAll
    static void removeEverything() {
        if (testbed != null) {
            testbed.close();
        }
    }

    @Test
    void stdoutStderrAndTheExitCodeComeBackAsTheCommandLeftThem() {
        ExecSyncResponse r = testbed.execSync(container, 30, "sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
        assertThat(r.getStderr().toStringUtf8()).isEqualTo("err\n");
        assertThat(r.getExitCode()).isEqualTo(7);
    }

    @Test
    void aCommandThatDoesNotExistIsANonZeroExitWithTheRuntimesMessage() {
        ExecSyncResponse r = testbed.execSync(container, 30, "no-such-command");
        assertThat(r.getExitCode()).isEqualTo(255);
        assertThat(r.getStderr().toStringUtf8())
                .contains("exec: \"no-such-command\": executable file not found in $PATH");
    }

    @Test
    void aTimeoutIsDeadlineExceededAndTheCommandIsGoneByThen() {
        assertThatThrownBy(() -> testbed.execSync(container, 1, "sleep", "4242"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("timeout 1s exceeded");
                });
        // Looked at right away, not awaited: the error is only returned once the command is dead.
        assertThat(testbed.processes(container)).noneMatch(p -> p.contains("sleep 4242"));
    }

    @Test
    void aTimeoutAlsoEndsTheChildrenOfTheCommand() {
        // A probe is often a shell script; its children must not outlive the timed-out probe either.
        assertThatThrownBy(() -> testbed.execSync(container, 1, "sh", "-c", "sleep 4343; echo never"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(testbed.processes(container)).noneMatch(p -> p.contains("4343"));
    }

    @Test
    void outputBeyondTheCapIsCutAndSaidSoOnStderr() {
        int written = 40 * 1024 * 1024;
        // The cut answer is still bigger than kubelet's 16 MiB message limit; this client takes it to look at it.
        try (CriClient bigAnswers = CriClient.connect(testbed.berthd().socket(), 64 * 1024 * 1024)) {
            ExecSyncResponse r = bigAnswers.runtime().withDeadlineAfter(120, TimeUnit.SECONDS).execSync(
                    ExecSyncRequest.newBuilder().setContainerId(container).setTimeout(60).addAllCmd(List.of("sh",
                            "-c", "head -c " + written + " /dev/zero; echo finished >&2")).build());
            assertThat(r.getExitCode()).as("the command ran to its end").isZero();
            assertThat(r.getStdout().size()).isEqualTo(OUTPUT_CAP);
            assertThat(r.getStdout().toByteArray()).containsOnly(0);
            assertThat(r.getStderr().toStringUtf8()).isEqualTo("finished\n\n[berth: stdout cut at " + OUTPUT_CAP
                    + " bytes; the command wrote " + written + "]\n");
        }
    }
}
