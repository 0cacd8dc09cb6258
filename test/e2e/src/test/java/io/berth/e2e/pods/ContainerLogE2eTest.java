package io.berth.e2e.pods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.berth.cri.v1.ReopenContainerLogRequest;
import io.berth.e2e.harness.E2eDaemons;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CRI log file the shim writes, byte for byte as kubelet parses it: {@code <RFC3339Nano> <stream> <F|P> <text>},
 * lines longer than 16 KiB cut into P chunks, and ReopenContainerLog after the file was renamed (what kubelet's log
 * rotation does) continuing in a new file without losing or repeating a line.
 */
class ContainerLogE2eTest {
    @RegisterExtension
    @Order(1)
    static final E2eDaemons daemons = new E2eDaemons();

    /** Registered after the daemons, so its after-callbacks run before theirs. */
    @RegisterExtension
    @Order(2)
    static final PodSuite suite = new PodSuite(daemons, "lg", 223);

    private static PodCalls cri() {
        return suite.cri();
    }

    private static final int MAX_LINE = 16 * 1024;


    @Test
    void everyLineIsInTheCriFormatAndLongLinesAreSplitIntoPartialChunks() throws Exception {
        String pod = cri().runPod("format");
        Instant before = Instant.now();
        String id = cri().run(pod, cri().shell("writer", "echo out-line; echo err-line >&2; echo;"
                + " head -c 40000 /dev/zero | tr '\\0' x; echo; printf 'no newline at the end'"));
        cri().awaitExit(id);

        List<String> raw = Files.readAllLines(cri().logPath(id), StandardCharsets.UTF_8);
        assertThat(raw).allSatisfy(line -> assertThat(line).matches(CriLogLine.FORMAT));
        List<CriLogLine> lines = raw.stream().map(CriLogLine::parse).toList();
        assertThat(lines).allSatisfy(line -> assertThat(Instant.parse(line.timestamp()))
                .isBetween(before.minusSeconds(1), Instant.now()));

        List<CriLogLine> stdout = lines.stream().filter(l -> l.stream().equals("stdout")).toList();
        assertThat(stdout).extracting(CriLogLine::tag, l -> l.content().length() > 40 ? "x*" + l.content().length()
                : l.content()).containsExactly(
                        tuple("F", "out-line"),
                        tuple("F", ""),
                        tuple("P", "x*" + MAX_LINE),
                        tuple("P", "x*" + MAX_LINE),
                        tuple("F", "x*" + (40000 - 2 * MAX_LINE)),
                        // Output that ends without a newline is a partial line, as CRI-O's conmon writes it.
                        tuple("P", "no newline at the end"));
        assertThat(lines.stream().filter(l -> l.stream().equals("stderr")))
                .extracting(CriLogLine::tag, CriLogLine::content)
                .containsExactly(tuple("F", "err-line"));
        assertThat(stdout.stream().map(CriLogLine::timestamp).map(Instant::parse).toList())
                .as("one stream's entries are in time order").isSorted();
    }

    @Test
    void reopenAfterRenameContinuesInANewFileWithNoLineLostOrRepeated() throws Exception {
        String pod = cri().runPod("rotate");
        String id = cri().run(pod, cri().shell("counter",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done"));
        Path log = cri().logPath(id);
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(log).size() >= 10);

        Path rotated = log.resolveSibling(log.getFileName() + ".20260101-000000");
        Files.move(log, rotated);
        // Until reopened the shim keeps writing to the renamed file, as it holds it open.
        int atRename = CriLogLine.read(rotated).size();
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(rotated).size() > atRename + 3);
        assertThat(log).doesNotExist();

        cri().runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
        await().atMost(PodCalls.EXIT_TIMEOUT).until(() -> CriLogLine.read(log).size() >= 10);
        cri().stop(id, 0);

        List<CriLogLine> all = new ArrayList<>(CriLogLine.read(rotated));
        int inOld = all.size();
        all.addAll(CriLogLine.read(log));
        assertThat(all).allSatisfy(l -> assertThat(l.stream() + " " + l.tag()).isEqualTo("stdout F"));
        List<Integer> numbers = all.stream().map(l -> Integer.parseInt(l.content())).toList();
        assertThat(numbers).as("%d lines in the renamed file, the rest in the reopened one", inOld)
                .isEqualTo(IntStream.range(0, numbers.size()).boxed().toList());

        assertThatThrownBy(() -> cri().runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder()
                .setContainerId(id).build())).as("a stopped container has no log to reopen")
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }
}
