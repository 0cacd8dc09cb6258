package io.berth.e2e.crictl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.HostCommands;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pods and containers made, shown, changed and removed with the real crictl from the JSON configs of crictl's own
 * documentation (no {@code namespace_options}, an empty or missing {@code linux}), against a packaged berthd.
 */
class CrictlPodE2eTest {
    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static CrictlTestbed testbed;
    private static Crictl crictl;

    @BeforeAll
    static void startBerthd() throws Exception {
        testbed = CrictlTestbed.start(daemons, "pod");
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
    void theDocumentationsPodAndContainerGoThroughTheirWholeLife() {
        String podConfig = testbed.docsPod("nginx-sandbox");
        String containerConfig = testbed.docsContainer("busybox", "top");

        String pod = testbed.runp(podConfig);
        assertThat(crictl.ok("pods", "-q").stdout().lines()).contains(pod);
        assertThat(crictl.ok("pods", "--name", "nginx-sandbox").stdout()).containsPattern(
                "(?m)^" + pod.substring(0, 13) + "\\s+.*\\s+Ready\\s+nginx-sandbox\\s+default\\s+1\\s");
        JsonNode podStatus = CrictlTestbed.parse(crictl.ok("inspectp", pod).stdout()).get("status");
        assertThat(podStatus.get("state").asText()).isEqualTo("SANDBOX_READY");
        assertThat(podStatus.at("/metadata/name").asText()).isEqualTo("nginx-sandbox");
        assertThat(podStatus.at("/metadata/uid").asText()).isEqualTo(CrictlTestbed.DOCS_UID);
        assertThat(podStatus.at("/network/ip").asText()).startsWith(testbedSubnetPrefix());

        String container = CrictlTestbed.id(crictl.ok("create", pod, containerConfig, podConfig));
        assertThat(crictl.ok("ps", "-a", "--pod", pod).stdout())
                .containsPattern("(?m)^" + container.substring(0, 13) + "\\s+.*\\s+Created\\s+busybox\\s+0\\s");
        assertThat(crictl.ok("start", container).stdout()).isEqualTo(container + "\n");
        testbed.awaitState(container, "CONTAINER_RUNNING");
        assertThat(crictl.ok("ps", "--pod", pod).stdout())
                .containsPattern("(?m)^" + container.substring(0, 13) + "\\s+.*\\s+Running\\s+busybox\\s+0\\s");
        JsonNode status = testbed.inspect(container).get("status");
        assertThat(status.at("/metadata/name").asText()).isEqualTo("busybox");
        JsonNode image = CrictlTestbed.parse(crictl.ok("inspecti", testbed.image()).stdout()).get("status");
        assertThat(status.at("/image/image").asText()).isIn(testbed.image(), image.get("id").asText());
        assertThat(image.get("repoDigests")).extracting(JsonNode::asText).contains(status.get("imageRef").asText());
        assertThat(status.get("logPath").asText()).endsWith("/nginx-sandbox/busybox.0.log");

        assertThat(crictl.ok("stop", container).stdout()).isEqualTo(container + "\n");
        assertThat(testbed.state(container)).isEqualTo("CONTAINER_EXITED");
        assertThat(crictl.ok("ps", "-a", "--pod", pod).stdout()).containsPattern("(?m)^" + container.substring(0, 13)
                + "\\s+.*\\s+Exited\\s+busybox\\s");
        assertThat(crictl.ok("rm", container).stdout()).isEqualTo(container + "\n");
        assertThat(crictl.ok("ps", "-a", "-q").stdout().lines()).doesNotContain(container);

        assertThat(crictl.ok("stopp", pod).stdout()).isEqualTo("Stopped sandbox " + pod + "\n");
        assertThat(crictl.ok("pods", "--id", pod).stdout()).containsPattern("\\sNotReady\\s+nginx-sandbox\\s");
        assertThat(crictl.ok("rmp", pod).stdout()).isEqualTo("Removed sandbox " + pod + "\n");
        assertThat(crictl.ok("pods", "-q").stdout().lines()).doesNotContain(pod);
    }

    @Test
    void logsShowBothStreamsAndLogsFollowPrintsNewLinesUntilTheContainerExits() {
        String podConfig = testbed.docsPod("logs-sandbox");
        String pod = testbed.runp(podConfig);
        // The variant without a "linux" key at all.
        String containerConfig = testbed.write("logger-container.json", """
                {
                  "metadata": {"name": "logger"},
                  "image": {"image": "%s"},
                  "command": ["sh", "-c", "echo first; echo oops >&2; until [ -e /tmp/go ]; do sleep 0.1; done; \
                echo second; until [ -e /tmp/end ]; do sleep 0.1; done; echo last"],
                  "log_path": "logger.0.log"
                }
                """.formatted(testbed.image()));
        String container = testbed.createAndStart(pod, containerConfig, podConfig);
        // crictl logs prints the container's stdout lines on its stdout and its stderr lines on its stderr.
        await().atMost(CrictlTestbed.TIMEOUT).until(() -> crictl.ok("logs", container),
                logs -> logs.stdout().equals("first\n") && logs.stderr().equals("oops\n"));
        assertThat(crictl.ok("logs", "--stream", "stdout", container).stdout()).isEqualTo("first\n");

        try (Crictl.Background follow = crictl.start("logs", "-f", container)) {
            await().atMost(CrictlTestbed.TIMEOUT).until(follow::stdout, "first\n"::equals);
            crictl.ok("exec", "-s", container, "touch", "/tmp/go");
            await().atMost(CrictlTestbed.TIMEOUT).until(follow::stdout, "first\nsecond\n"::equals);
            assertThat(follow.isAlive()).as("%s", follow).isTrue();

            crictl.ok("exec", "-s", container, "touch", "/tmp/end");
            assertThat(follow.awaitExit(CrictlTestbed.TIMEOUT)).as("%s", follow).isZero();
            assertThat(follow.stdout()).isEqualTo("first\nsecond\nlast\n");
            assertThat(follow.stderr()).isEqualTo("oops\n");
        }
        assertThat(testbed.inspect(container).at("/status/exitCode").asInt()).isZero();
        assertThat(testbed.state(container)).isEqualTo("CONTAINER_EXITED");
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    @Test
    void statsAndStatspShowTheRunningContainerAndItsPod() {
        String podConfig = testbed.docsPod("stats-sandbox");
        String pod = testbed.runp(podConfig);
        String container = testbed.createAndStart(pod, testbed.docsContainer("stats", "top"), podConfig);
        testbed.awaitState(container, "CONTAINER_RUNNING");

        assertThat(crictl.ok("stats", "--id", container).stdout())
                .containsPattern("CONTAINER\\s+NAME\\s+CPU %\\s+MEM\\s+DISK\\s+INODES\\s+SWAP")
                .containsPattern("(?m)^" + container.substring(0, 13) + "\\s+stats\\s+[0-9.]+\\s+[0-9.]+[kMG]?B\\s");
        JsonNode stats = CrictlTestbed.parse(crictl.ok("stats", "-o", "json", "--id", container).stdout())
                .at("/stats/0");
        assertThat(stats.at("/attributes/id").asText()).isEqualTo(container);
        assertThat(stats.at("/memory/workingSetBytes/value").asLong()).as("%s", stats).isPositive();

        assertThat(crictl.ok("statsp", "--id", pod).stdout())
                .containsPattern("POD\\s+POD ID\\s+CPU %\\s+MEM")
                .containsPattern("(?m)^stats-sandbox\\s+" + pod.substring(0, 13) + "\\s+[0-9.]+\\s+[0-9.]+[kMG]?B");
        JsonNode podStats = CrictlTestbed.parse(crictl.ok("statsp", "-o", "json", "--id", pod).stdout())
                .at("/stats/0");
        assertThat(podStats.at("/attributes/id").asText()).as("%s", podStats).isEqualTo(pod);
        assertThat(podStats.at("/linux/memory/workingSetBytes/value").asLong()).as("%s", podStats).isPositive();
        assertThat(podStats.at("/linux/containers/0/attributes/id").asText()).as("%s", podStats)
                .isEqualTo(container);
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    @Test
    void updateChangesTheLimitsThatInspectAndTheContainersCgroupShow() {
        String podConfig = testbed.docsPod("update-sandbox");
        String pod = testbed.runp(podConfig);
        String container = testbed.createAndStart(pod, testbed.docsContainer("limited", "top"), podConfig);
        testbed.awaitState(container, "CONTAINER_RUNNING");

        crictl.ok("update", "--memory", "67108864", "--cpu-period", "100000", "--cpu-quota", "50000", container);

        JsonNode linux = testbed.inspect(container).at("/status/resources/linux");
        assertThat(linux.get("memoryLimitInBytes").asLong()).as("%s", linux).isEqualTo(67108864L);
        assertThat(linux.get("cpuQuota").asLong()).as("%s", linux).isEqualTo(50000L);
        assertThat(linux.get("cpuPeriod").asLong()).as("%s", linux).isEqualTo(100000L);
        // cgroup v2 (memory.max, cpu.max) or v1 (memory/memory.limit_in_bytes, cpu/cpu.cfs_quota_us).
        assertThat(execSync(container, "sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null"
                + " || cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).isEqualTo("67108864");
        assertThat(execSync(container, "sh", "-c", "cat /sys/fs/cgroup/cpu.max 2>/dev/null"
                + " || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"))
                .matches("50000[ \n]100000");
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    @Test
    void aPodWithALongNameAndNoHostnameRunsAndItsContainerSeesTheNodesHostname() {
        String name = "pod-sandbox-with-a-long-name-as-critest-makes-them-"
                + "0123456789abcdef0123456789abcdef";
        assertThat(name.length()).isGreaterThanOrEqualTo(67);
        String podConfig = testbed.write("long-pod.json", """
                {
                  "metadata": {"name": "%s", "namespace": "default", "attempt": 1, "uid": "%s"},
                  "log_directory": "%s",
                  "linux": {}
                }
                """.formatted(name, CrictlTestbed.DOCS_UID, testbed.logDirectory("long")));
        String pod = testbed.runp(podConfig);
        assertThat(CrictlTestbed.parse(crictl.ok("inspectp", pod).stdout()).at("/status/state").asText())
                .isEqualTo("SANDBOX_READY");
        String container = testbed.createAndStart(pod, testbed.docsContainer("namer", "top"), podConfig);
        testbed.awaitState(container, "CONTAINER_RUNNING");

        assertThat(execSync(container, "hostname")).isEqualTo(CrictlTestbed.nodeHostname());
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    @Test
    void aHostNetworkPodRunsAContainerWhoseConfigHasNoNamespaceOptions() {
        String podConfig = testbed.write("host-pod.json", """
                {
                  "metadata": {"name": "host-sandbox", "namespace": "default", "attempt": 1, "uid": "%s"},
                  "log_directory": "%s",
                  "linux": {"security_context": {"namespace_options": {"network": 2}}}
                }
                """.formatted(CrictlTestbed.DOCS_UID, testbed.logDirectory("host-sandbox")));
        String pod = testbed.runp(podConfig);
        String container = testbed.createAndStart(pod, testbed.docsContainer("hostnet", "top"), podConfig);
        testbed.awaitState(container, "CONTAINER_RUNNING");

        String defaultDevice = HostCommands.run("ip", "route", "show", "default").replaceAll("(?s).*\\bdev (\\S+).*",
                "$1").trim();
        assertThat(crictl.ok("exec", "-s", container, "cat", "/proc/net/dev").stdout())
                .containsPattern("(?m)^\\s*" + defaultDevice + ":");
        assertThat(execSync(container, "hostname")).isEqualTo(CrictlTestbed.nodeHostname());
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    @Test
    void aContainerWhoseEnvironmentExecveCannotTakeIsRefusedByCreateWithTheReason() {
        String podConfig = testbed.docsPod("big-env-sandbox");
        String pod = testbed.runp(podConfig);
        // 64 entries of 112 KiB: each fits the kernel's bound on one string, all 7 MiB of them fit no stack limit.
        StringBuilder envs = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            envs.append(i == 0 ? "" : ",").append("{\"key\": \"BIG").append(i).append("\", \"value\": \"")
                    .append("x".repeat(112 * 1024)).append("\"}");
        }
        String containerConfig = testbed.write("big-env-container.json", """
                {
                  "metadata": {"name": "big-env"},
                  "image": {"image": "%s"},
                  "command": ["true"],
                  "envs": [%s],
                  "linux": {}
                }
                """.formatted(testbed.image(), envs));

        var refused = crictl.run("create", pod, containerConfig, podConfig);

        assertThat(refused.exitCode()).as("%s", refused).isNotZero();
        assertThat(refused.stderr()).contains("InvalidArgument").contains("config.envs").contains("execve");
        assertThat(crictl.ok("ps", "-a", "-q", "--pod", pod).stdout()).isBlank();
        assertThat(crictl.ok("rmp", "-f", pod).stdout()).endsWith("Removed sandbox " + pod + "\n");
    }

    /**
     * What {@code crictl exec -s} prints for a command that writes only to stdout: crictl prints the stdout, a
     * newline, the stderr and a newline; the command's own output is what is left once those are trimmed.
     */
    private static String execSync(String container, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", "-s", container));
        args.addAll(List.of(command));
        return crictl.ok(args.toArray(String[]::new)).stdout().strip();
    }

    private static String testbedSubnetPrefix() {
        return "10.228.";
    }
}
