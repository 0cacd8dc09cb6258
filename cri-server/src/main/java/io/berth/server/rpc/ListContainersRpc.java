package io.berth.server.rpc;

import io.berth.cri.v1.Container;
import io.berth.cri.v1.ContainerFilter;
import io.berth.cri.v1.ListContainersRequest;
import io.berth.cri.v1.ListContainersResponse;
import io.berth.server.container.ContainerStore;
import io.berth.server.container.ContainerViews;
import io.berth.server.grpc.UnaryRpc;
import java.util.Comparator;

/** ListContainers: from memory, filtered by id (or prefix), state, sandbox (or prefix) and labels. */
public final class ListContainersRpc implements UnaryRpc<ListContainersRequest, ListContainersResponse> {
    private final ContainerStore store;

    public ListContainersRpc(ContainerStore store) {
        this.store = store;
    }

    @Override
    public ListContainersResponse call(ListContainersRequest request) {
        ContainerFilter f = request.getFilter();
        ListContainersResponse.Builder out = ListContainersResponse.newBuilder();
        store.list().stream()
                .map(ContainerViews::summary)
                .filter(c -> f.getId().isEmpty() || c.getId().startsWith(f.getId()))
                .filter(c -> f.getPodSandboxId().isEmpty() || c.getPodSandboxId().startsWith(f.getPodSandboxId()))
                .filter(c -> !f.hasState() || c.getState() == f.getState().getState())
                .filter(c -> c.getLabelsMap().entrySet().containsAll(f.getLabelSelectorMap().entrySet()))
                .sorted(Comparator.comparingLong(Container::getCreatedAt))
                .forEach(out::addContainers);
        return out.build();
    }
}
