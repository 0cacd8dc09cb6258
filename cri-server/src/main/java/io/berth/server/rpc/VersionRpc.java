package io.berth.server.rpc;

import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.berth.server.grpc.UnaryRpc;

/** Version: who we are. The kubelet checks runtime_api_version before anything else. */
public final class VersionRpc implements UnaryRpc<VersionRequest, VersionResponse> {
    /** The CRI's own version string, as containerd and CRI-O report it. */
    static final String KUBELET_API_VERSION = "0.1.0";

    private final String runtimeVersion;

    /** {@code runtimeVersion}: berth's own release, as stamped into the build. */
    public VersionRpc(String runtimeVersion) {
        this.runtimeVersion = runtimeVersion;
    }

    @Override
    public VersionResponse call(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(KUBELET_API_VERSION)
                .setRuntimeName("berth")
                .setRuntimeVersion(runtimeVersion)
                .setRuntimeApiVersion("v1")
                .build();
    }
}
