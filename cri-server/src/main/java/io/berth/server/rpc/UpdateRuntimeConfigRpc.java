package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.UpdateRuntimeConfigRequest;
import io.berth.cri.v1.UpdateRuntimeConfigResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.podnetwork.PodCidr;
import java.util.logging.Logger;

/** UpdateRuntimeConfig: kubelet tells the runtime the node's pod CIDR once it is assigned. */
public final class UpdateRuntimeConfigRpc implements UnaryRpc<UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse> {
    private static final Logger LOG = Logger.getLogger(UpdateRuntimeConfigRpc.class.getName());

    private final PodCidr podCidr;

    public UpdateRuntimeConfigRpc(PodCidr podCidr) {
        this.podCidr = podCidr;
    }

    @Override
    public UpdateRuntimeConfigResponse call(UpdateRuntimeConfigRequest request) {
        Require.present(request.hasRuntimeConfig(), "runtime_config");
        String cidr = request.getRuntimeConfig().getNetworkConfig().getPodCidr();
        podCidr.update(cidr, "runtime_config.network_config.pod_cidr");
        LOG.info("pod CIDR is now " + (podCidr.current().isEmpty() ? "unset" : String.join(",", podCidr.current())));
        return UpdateRuntimeConfigResponse.getDefaultInstance();
    }
}
