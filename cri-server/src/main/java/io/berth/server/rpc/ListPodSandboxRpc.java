package io.berth.server.rpc;

import io.berth.cri.v1.ListPodSandboxRequest;
import io.berth.cri.v1.ListPodSandboxResponse;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxFilter;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.sandbox.SandboxStore;
import io.berth.server.sandbox.SandboxViews;
import java.util.Comparator;

/** ListPodSandbox: from memory, filtered by id (or prefix), state and exact-match labels. */
public final class ListPodSandboxRpc implements UnaryRpc<ListPodSandboxRequest, ListPodSandboxResponse> {
    private final SandboxStore store;

    public ListPodSandboxRpc(SandboxStore store) {
        this.store = store;
    }

    @Override
    public ListPodSandboxResponse call(ListPodSandboxRequest request) {
        PodSandboxFilter f = request.getFilter();
        ListPodSandboxResponse.Builder out = ListPodSandboxResponse.newBuilder();
        store.list().stream()
                .map(SandboxViews::summary)
                .filter(p -> f.getId().isEmpty() || p.getId().startsWith(f.getId()))
                .filter(p -> !f.hasState() || p.getState() == f.getState().getState())
                .filter(p -> p.getLabelsMap().entrySet().containsAll(f.getLabelSelectorMap().entrySet()))
                .sorted(Comparator.comparingLong(PodSandbox::getCreatedAt))
                .forEach(out::addItems);
        return out.build();
    }
}
