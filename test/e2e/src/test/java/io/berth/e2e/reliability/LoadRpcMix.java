package io.berth.e2e.reliability;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.berth.cri.v1.ContainerStatsRequest;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ExecSyncRequest;
import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageServiceGrpc.ImageServiceFutureStub;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.ImageStatusRequest;
import io.berth.cri.v1.ListContainerStatsRequest;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.ListMetricDescriptorsRequest;
import io.berth.cri.v1.ListPodSandboxMetricsRequest;
import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.ListPodSandboxStatsRequest;
import io.berth.cri.v1.PodSandboxStatsRequest;
import io.berth.cri.v1.PodSandboxStatusRequest;
import io.berth.cri.v1.RuntimeConfigRequest;
import io.berth.cri.v1.RuntimeServiceGrpc.RuntimeServiceFutureStub;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.e2e.harness.CriClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One wave of concurrent calls of the kinds kubelet makes all the time, runtime and image service alike: each
 * wave sends all its calls at once and waits for every answer. Calls by id go mostly to the steady pods, and some
 * to pods and containers of the churn, listed a moment before, which may be gone by the time the call lands.
 */
final class LoadRpcMix {
    /** The deadline of one call: generous, since a 2-core machine runs the churn beside the wave. */
    private static final long DEADLINE_SECONDS = 120;
    private static final int KINDS = 19;

    private final CriClient cri;
    private final String image;
    private final List<String> steadyPods;
    private final List<String> steadyContainers;
    private final LoadTally tally;

    LoadRpcMix(CriClient cri, String image, List<String> steadyPods, List<String> steadyContainers, LoadTally tally) {
        this.cri = cri;
        this.image = image;
        this.steadyPods = List.copyOf(steadyPods);
        this.steadyContainers = List.copyOf(steadyContainers);
        this.tally = tally;
    }

    /** Sends {@code calls} calls at once, cycling through every kind, and returns when all have answered. */
    void wave(int calls) throws Exception {
        List<String> churnPods = ids(() -> cri.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
                .getItemsList().stream().map(p -> p.getId()).toList(), steadyPods);
        List<String> churnContainers = ids(() -> cri.runtime().listContainers(ListContainersRequest
                .getDefaultInstance()).getContainersList().stream().map(c -> c.getId()).toList(), steadyContainers);
        List<ListenableFuture<?>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            answers.add(call(i % KINDS, churnPods, churnContainers));
        }
        Futures.whenAllComplete(answers).call(() -> null, MoreExecutors.directExecutor())
                .get(DEADLINE_SECONDS + 30, TimeUnit.SECONDS);
    }

    private ListenableFuture<?> call(int kind, List<String> churnPods, List<String> churnContainers) {
        RuntimeServiceFutureStub rt = cri.runtimeAsync().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        ImageServiceFutureStub img = cri.imagesAsync().withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
        // Every third by-id call names a churn object, when there is one.
        boolean churn = ThreadLocalRandom.current().nextInt(3) == 0;
        String pod = pick(churn ? churnPods : steadyPods, steadyPods);
        String container = pick(churn ? churnContainers : steadyContainers, steadyContainers);
        boolean podOfChurn = !steadyPods.contains(pod);
        boolean containerOfChurn = !steadyContainers.contains(container);
        return switch (kind) {
            case 0 -> track("Version", rt.version(VersionRequest.getDefaultInstance()), false);
            case 1 -> track("Status", rt.status(StatusRequest.getDefaultInstance()), false);
            case 2 -> track("ListPodSandbox", rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()), false);
            case 3 -> track("ListContainers", rt.listContainers(ListContainersRequest.getDefaultInstance()), false);
            case 4 -> track("PodSandboxStatus", rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(pod).build()), podOfChurn);
            case 5 -> track("ContainerStatus", rt.containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(container).build()), containerOfChurn);
            case 6 -> track("ContainerStats", rt.containerStats(ContainerStatsRequest.newBuilder()
                    .setContainerId(container).build()), containerOfChurn);
            case 7 -> track("ListContainerStats", rt.listContainerStats(ListContainerStatsRequest
                    .getDefaultInstance()), false);
            case 8 -> track("PodSandboxStats", rt.podSandboxStats(PodSandboxStatsRequest.newBuilder()
                    .setPodSandboxId(pod).build()), podOfChurn);
            case 9 -> track("ListPodSandboxStats", rt.listPodSandboxStats(ListPodSandboxStatsRequest
                    .getDefaultInstance()), false);
            case 10 -> track("ExecSync", rt.execSync(ExecSyncRequest.newBuilder()
                    .setContainerId(pick(steadyContainers, steadyContainers)).addCmd("echo").addCmd("load")
                    .setTimeout(60).build()), false);
            case 11 -> track("ImageFsInfo", img.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()), false);
            case 12 -> track("ListImages", img.listImages(ListImagesRequest.getDefaultInstance()), false);
            case 13 -> track("ImageStatus", img.imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(image)).build()), false);
            case 14 -> track("RuntimeConfig", rt.runtimeConfig(RuntimeConfigRequest.getDefaultInstance()), false);
            case 15 -> track("ListMetricDescriptors", rt.listMetricDescriptors(ListMetricDescriptorsRequest
                    .getDefaultInstance()), false);
            case 16 -> track("ListPodSandboxMetrics", rt.listPodSandboxMetrics(ListPodSandboxMetricsRequest
                    .getDefaultInstance()), false);
            case 17 -> track("ContainerStatus", rt.containerStatus(ContainerStatusRequest.newBuilder()
                    .setContainerId(container).setVerbose(true).build()), containerOfChurn);
            default -> track("Status", rt.status(StatusRequest.newBuilder().setVerbose(true).build()), false);
        };
    }

    private <T> ListenableFuture<T> track(String rpc, ListenableFuture<T> answer, boolean aboutChurn) {
        Futures.addCallback(answer, new FutureCallback<>() {
            @Override
            public void onSuccess(T result) {
                tally.succeeded(rpc);
            }

            @Override
            public void onFailure(Throwable failure) {
                tally.failed(rpc, failure, aboutChurn);
            }
        }, MoreExecutors.directExecutor());
        return answer;
    }

    /** The ids of a list, less the steady ones; a failed list is tallied and gives none. */
    private List<String> ids(Supplier<List<String>> list, List<String> steady) {
        try {
            List<String> all = list.get();
            return all.stream().filter(id -> !steady.contains(id)).toList();
        } catch (RuntimeException e) {
            tally.failed("List (wave setup)", e, false);
            return List.of();
        }
    }

    private static String pick(List<String> ids, List<String> fallback) {
        List<String> from = ids.isEmpty() ? fallback : ids;
        return from.get(ThreadLocalRandom.current().nextInt(from.size()));
    }
}
