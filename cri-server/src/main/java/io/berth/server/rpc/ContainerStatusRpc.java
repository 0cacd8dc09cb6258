package io.berth.server.rpc;

import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerStatusRequest;
import io.berth.cri.v1.ContainerStatusResponse;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.ContainerViews;
import io.berth.server.container.StoredContainerMetadata;
import io.berth.server.grpc.UnaryRpc;
import java.util.LinkedHashMap;
import java.util.Map;

/** ContainerStatus: answered from memory; verbose adds where berth keeps the container. */
public final class ContainerStatusRpc implements UnaryRpc<ContainerStatusRequest, ContainerStatusResponse> {

    private final ContainerStore store;

    public ContainerStatusRpc(ContainerStore store) {
        this.store = store;
    }

    @Override
    public ContainerStatusResponse call(ContainerStatusRequest request) throws Exception {
        ContainerStore.Container c = store.resolve(Require.idOrPrefix(request.getContainerId(), "container_id"));
        ContainerStatusResponse.Builder out = ContainerStatusResponse.newBuilder().setStatus(ContainerViews.status(c));
        if (request.getVerbose()) {
            StoredContainerMetadata m = c.metadata();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("sandboxId", m.sandboxId());
            info.put("pid", c.status().pid());
            info.put("runDir", m.runDir());
            info.put("snapshotKey", m.snapshotKey());
            info.put("runtimeHandler", m.runtimeHandler());
            out.putInfo("info", Mappers.plain().writeValueAsString(info));
        }
        return out.build();
    }
}
