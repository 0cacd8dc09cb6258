package io.berth.server.admin;

import io.berth.admin.v1.HealthReply;
import io.berth.admin.v1.HealthRequest;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.server.grpc.UnaryRpc;

/**
 * Health: the conditions kubelet sees (from the CRI Status RPC itself, so the two never disagree), the shim
 * hosts that carry the containers, and the disks berth writes to.
 */
public final class HealthRpc implements UnaryRpc<HealthRequest, HealthReply> {
    private final UnaryRpc<StatusRequest, StatusResponse> status;
    private final ShimHostFacts shimHosts;
    private final DiskReport disks;

    public HealthRpc(UnaryRpc<StatusRequest, StatusResponse> status, ShimHostFacts shimHosts, DiskReport disks) {
        this.status = status;
        this.shimHosts = shimHosts;
        this.disks = disks;
    }

    @Override
    public HealthReply call(HealthRequest request) throws Exception {
        return HealthReply.newBuilder()
                .addAllConditions(status.call(StatusRequest.getDefaultInstance()).getStatus().getConditionsList())
                .addAllShimHosts(shimHosts.list())
                .addAllDisks(disks.measure())
                .build();
    }
}
