package io.berth.e2e.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.RunPodSandboxRequest;
import io.berth.cri.v1.RunPodSandboxResponse;
import io.berth.e2e.harness.BerthdProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** RunPodSandbox calls made all at once, as kubelet does on a node that just came up, and a crash among them. */
final class InFlightSetUps {
    static final Duration SET_UP_TIMEOUT = Duration.ofSeconds(120);

    private final BerthdProcess berthd;
    private final List<ListenableFuture<RunPodSandboxResponse>> calls;

    private InFlightSetUps(BerthdProcess berthd, List<ListenableFuture<RunPodSandboxResponse>> calls) {
        this.berthd = berthd;
        this.calls = calls;
    }

    static InFlightSetUps start(BerthdProcess berthd, List<PodSandboxConfig> pods) {
        return new InFlightSetUps(berthd, pods.stream().map(pod -> berthd.client().runtimeAsync()
                .withDeadlineAfter(SET_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())).toList());
    }

    /** The pod ids, once every call has returned. */
    List<String> ids() throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (ListenableFuture<RunPodSandboxResponse> call : calls) {
            ids.add(call.get(SET_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).getPodSandboxId());
        }
        return ids;
    }

    /**
     * SIGKILLs berthd as soon as {@code begun} (set-ups that have left a trace on disk) reaches
     * {@code atLeast}, and asserts that some calls had not returned then: the kill really came mid-set-up.
     */
    void killBerthdOnce(Callable<Integer> begun, int atLeast) {
        await().atMost(SET_UP_TIMEOUT).pollInterval(Duration.ofMillis(5))
                .until(() -> begun.call() >= atLeast || calls.stream().allMatch(ListenableFuture::isDone));
        berthd.kill9();
        assertThat(calls).as("set-ups still in flight when berthd was killed")
                .anyMatch(call -> !call.isDone() || failed(call));
    }

    private static boolean failed(ListenableFuture<?> call) {
        try {
            call.get(0, TimeUnit.SECONDS);
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
