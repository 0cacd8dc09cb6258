package io.berth.e2e.harness;

import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageFsInfoResponse;
import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.ListImagesResponse;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;

import java.util.Optional;

/**
 * The first calls kubelet and crictl make, built exactly once so that berth and containerd get byte-identical
 * requests: a difference in the answers is then a difference between the runtimes, not between the tests.
 */
public final class BasicCriCalls {

    /** crictl sends the CRI API version it speaks. */
    public static final VersionRequest VERSION = VersionRequest.newBuilder().setVersion("v1").build();

    public static final String RUNTIME_READY = "RuntimeReady";
    public static final String NETWORK_READY = "NetworkReady";

    private BasicCriCalls() {
    }

    public static VersionResponse version(CriClient client) {
        return client.runtime().version(VERSION);
    }

    public static StatusResponse status(CriClient client, boolean verbose) {
        return client.runtime().status(StatusRequest.newBuilder().setVerbose(verbose).build());
    }

    public static ListImagesResponse listImages(CriClient client) {
        return client.images().listImages(ListImagesRequest.getDefaultInstance());
    }

    public static ImageFsInfoResponse imageFsInfo(CriClient client) {
        return client.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
    }

    public static Optional<RuntimeCondition> condition(StatusResponse status, String type) {
        return status.getStatus().getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
    }
}
