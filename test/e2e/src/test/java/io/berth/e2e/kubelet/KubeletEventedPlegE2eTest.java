package io.berth.e2e.kubelet;

import static io.berth.e2e.kubelet.KubeletPods.allRunning;
import static io.berth.e2e.kubelet.KubeletPods.awaitPod;
import static io.berth.e2e.kubelet.KubeletPods.containerIds;
import static io.berth.e2e.kubelet.KubeletPods.containerStatus;
import static io.berth.e2e.kubelet.KubeletPods.findPod;
import static io.berth.e2e.kubelet.KubeletPods.metric;
import static io.berth.e2e.kubelet.KubeletPods.podName;
import static io.berth.e2e.kubelet.KubeletPods.restartCounts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ContainerState;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxState;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.E2eDaemons;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 7 of issue 14: kubelet v1.37.2 with the EventedPLEG gate on, on the packaged berthd.
 *
 * <p>In v1.37 the gate (alpha, off by default, depends on the GA PLEGOnDemandRelist) makes kubelet do two things
 * with the runtime: it keeps a {@code GetContainerEvents} stream open and asks for an immediate relist of a pod
 * when a CONTAINER_STOPPED_EVENT arrives for it; and it takes a pod's container statuses only from
 * {@code PodSandboxStatusResponse.containers_statuses} whenever the response carries a timestamp (berth's does).
 * Its evented-PLEG log lines are at verbosity 4 and {@link KubeletProcess} runs it at 2, so what a user sees of
 * the stream is read from kubelet's {@code /metrics}: the stream's connection counter and the latency histogram
 * that counts every event received; its log must hold none of the evented PLEG errors.
 */
class KubeletEventedPlegE2eTest {
    static final String EVENTED_PLEG = "featureGates:\n  EventedPLEG: true\n";
    /** How long the short container runs before it exits 1. */
    static final int SHORT_SECONDS = 4;
    /** A terminated container seen in /pods this long after its finishedAt (second precision) is prompt. */
    static final Duration PROMPT = Duration.ofSeconds(5);
    /** After berthd is back, kubelet must leave the pod alone at least this long. */
    static final Duration STEADY_WINDOW = Duration.ofSeconds(30);
    static final String CONNECTED = "kubelet_evented_pleg_connection_success_count";
    static final String CONNECT_ERRORS = "kubelet_evented_pleg_connection_error_count";
    static final String EVENTS = "kubelet_evented_pleg_connection_latency_seconds_count";

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    private static KubeletTestbed testbed;
    private static BerthdProcess berthd;

    @BeforeAll
    static void berthdWithMirroredImages() throws Exception {
        testbed = KubeletTestbed.start(daemons, "bke");
        berthd = testbed.berthd();
    }

    @AfterAll
    static void closeRegistryAndBridge() {
        if (testbed != null) {
            testbed.close();
        }
    }

    /** 7(a): a container that exits 1 shows terminated in /pods promptly, through berth's events and statuses. */
    @Test
    void exitedContainerShowsTerminatedPromptlyThroughContainerEvents() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket(), EVENTED_PLEG)) {
            try {
                assertThat(kubelet.logTail(100_000)).as("kubelet's effective config").contains("EventedPLEG");
                String pod = podName("kl-evented-exit");
                Files.writeString(kubelet.manifests().resolve("kl-evented-exit.yaml"), shortLivedPod("kl-evented-exit"));
                // With the gate on, kubelet reads container statuses only from PodSandboxStatus.containers_statuses:
                // a running container in /pods is one berth reported there.
                awaitPod(kubelet, pod, "with its container running", KubeletStaticPodE2eTest.POD_START_TIMEOUT,
                        p -> containerStatus(p, "short").map(c -> c.path("state").has("running")).orElse(false));
                assertThat(metric(kubelet, CONNECTED)).as("GetContainerEvents streams kubelet opened").isEqualTo(1);
                double eventsWhileRunning = metric(kubelet, EVENTS);
                assertThat(eventsWhileRunning).as("container events kubelet received by the container's start")
                        .isPositive();

                JsonNode terminated = awaitPod(kubelet, pod, "with its container terminated",
                        Duration.ofSeconds(SHORT_SECONDS).plus(Duration.ofSeconds(60)),
                        p -> containerStatus(p, "short").map(c -> c.path("state").has("terminated")).orElse(false));
                Instant seen = Instant.now();
                JsonNode state = containerStatus(terminated, "short").orElseThrow().path("state").path("terminated");
                assertThat(state.path("exitCode").asInt()).as("%s", state).isEqualTo(1);
                assertThat(state.path("reason").asText()).as("%s", state).isEqualTo("Error");
                Instant finished = Instant.parse(state.path("finishedAt").asText());
                Duration lag = Duration.between(finished, seen);
                System.out.println("kubelet with EventedPLEG on berth: container exit seen in /pods " + lag.toMillis()
                        + " ms after its finishedAt (second precision)");
                assertThat(lag).as("exit to terminated in /pods").isLessThan(PROMPT);
                assertThat(terminated.path("status").path("phase").asText()).isEqualTo("Failed");
                await("kubelet counts the container's stop event").atMost(Duration.ofSeconds(30))
                        .ignoreExceptions().until(() -> metric(kubelet, EVENTS) > eventsWhileRunning);
                System.out.println("kubelet with EventedPLEG on berth: " + metric(kubelet, EVENTS)
                        + " container events received, " + metric(kubelet, CONNECTED) + " stream(s) opened");
                assertThat(metric(kubelet, CONNECT_ERRORS)).as("event stream errors").isZero();
                assertThat(kubelet.logTail(100_000)).as("kubelet's log")
                        .doesNotContain("Evented PLEG: received ContainerEventResponse with nil")
                        .doesNotContain("Evented PLEG: disabling")
                        .doesNotContain("GetContainerEvents failed");
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /** 7(b): berthd restarted under a running pod; kubelet restarts nothing. */
    @Test
    void berthdRestartedUnderARunningPodRestartsNothing() throws Exception {
        try (KubeletProcess kubelet = KubeletProcess.start(berthd.socket(), EVENTED_PLEG)) {
            try {
                String pod = podName("kl-evented-steady");
                // No init container: see twoContainerPod.
                Files.writeString(kubelet.manifests().resolve("kl-evented-steady.yaml"),
                        twoContainerPod("kl-evented-steady"));
                JsonNode running = awaitPod(kubelet, pod, "running", KubeletStaticPodE2eTest.POD_START_TIMEOUT,
                        p -> allRunning(p, 2));
                Map<String, String> before = containerIds(running);
                List<String> sandboxesBefore = sandboxes().stream().map(PodSandbox::getId).toList();
                assertThat(sandboxesBefore).hasSize(1);
                long berthdPid = berthd.pid();

                long restarting = System.nanoTime();
                berthd.restart();
                System.out.println("kubelet with EventedPLEG on berth: berthd pid " + berthdPid + " restarted as pid "
                        + berthd.pid() + " in " + Duration.ofNanos(System.nanoTime() - restarting).toMillis() + " ms");
                assertThat(berthd.pid()).isNotEqualTo(berthdPid);

                await("no container or sandbox restarted for " + STEADY_WINDOW + " after berthd's restart")
                        .during(STEADY_WINDOW).atMost(STEADY_WINDOW.plus(Duration.ofSeconds(90)))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> {
                            JsonNode now = findPod(kubelet, pod).orElseThrow();
                            return allRunning(now, 2) && containerIds(now).equals(before) && restartCounts(now) == 0
                                    && sandboxes().stream().map(PodSandbox::getId).toList().equals(sandboxesBefore)
                                    && sandboxes().stream().allMatch(s -> s.getState() == PodSandboxState.SANDBOX_READY)
                                    && runningContainers() == 2;
                        });
                String log = kubelet.logTail(100_000);
                System.out.println("kubelet with EventedPLEG on berth, after berthd's restart: "
                        + metric(kubelet, CONNECTED) + " event streams opened, " + metric(kubelet, CONNECT_ERRORS)
                        + " stream errors; fast path "
                        + (log.contains("Evented PLEG: disabling") ? "DISABLED by kubelet (retries exhausted)"
                                : "kept"));
                log.lines().filter(l -> l.contains("GetContainerEvents") || l.contains("container events stream")
                                || l.contains("streaming container event") || l.contains("Evented PLEG"))
                        .forEach(l -> System.out.println("  kubelet: " + l));
            } catch (Throwable t) {
                System.err.println("======== kubelet log tail (" + kubelet.logFile() + ") ========\n"
                        + kubelet.logTail(200));
                throw t;
            }
        }
    }

    /** One container that writes a line, runs a few seconds and exits 1; never restarted. */
    static String shortLivedPod(String name) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + KubeletStaticPodE2eTest.NAMESPACE,
                "spec:",
                "  restartPolicy: Never",
                "  terminationGracePeriodSeconds: 5",
                "  containers:",
                "  - name: short",
                "    image: " + KubeletStaticPodE2eTest.BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"echo started; sleep " + SHORT_SECONDS + "; echo exiting; exit 1\"]",
                "");
    }

    /**
     * Scenario 1's two long-running containers without its init container. kubelet v1.37.2 cannot run an init
     * container with EventedPLEG on against a runtime that sets PodSandboxStatus's timestamp: that branch of
     * kuberuntime_manager.go getPodStatus fills ContainerStatuses from containers_statuses but never
     * ActiveContainerStatuses, and computeInitContainerActions looks init containers up only there
     * (FindActiveContainerStatusByName), so a completed init container is never found and is run again and again
     * into CrashLoopBackOff ("back-off 10s restarting failed container=init"), whatever the runtime answers.
     */
    static String twoContainerPod(String name) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Pod",
                "metadata:",
                "  name: " + name,
                "  namespace: " + KubeletStaticPodE2eTest.NAMESPACE,
                "spec:",
                "  terminationGracePeriodSeconds: " + KubeletStaticPodE2eTest.GRACE_SECONDS,
                "  containers:",
                longRunning("first"),
                longRunning("second"),
                "");
    }

    private static String longRunning(String name) {
        return String.join("\n",
                "  - name: " + name,
                "    image: " + KubeletStaticPodE2eTest.BUSYBOX,
                "    imagePullPolicy: IfNotPresent",
                "    command: [\"sh\", \"-c\", \"echo " + name + " line 1; trap 'exit 0' TERM;"
                        + " while true; do sleep 1; done\"]");
    }

    private static List<PodSandbox> sandboxes() {
        return berthd.client().runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    private static long runningContainers() {
        return berthd.client().runtime().listContainers(ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.getDefaultInstance()).build()).getContainersList().stream()
                .filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).count();
    }
}
