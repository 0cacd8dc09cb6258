package io.berth.server.container;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cri.v1.LinuxContainerResources;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.spec.OciSpec;
import io.berth.server.container.spec.ResourcesMapper;
import java.util.List;

/** UpdateContainerResources on a live container: the same mapping as at create, applied by runc update. */
public final class LiveResources implements ContainerControl.ResourceUpdater {
    /** Made at first use, not when berthd builds this at start (an ObjectMapper's set-up costs it 45 ms). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    }

    private final BerthConfig config;
    private final ResourcesMapper mapper;

    public LiveResources(BerthConfig config, ResourcesMapper mapper) {
        this.config = config;
        this.mapper = mapper;
    }

    @Override
    public void apply(ContainerStore.Container c, LinuxContainerResources resources) throws Exception {
        OciSpec.Resources mapped = mapper.map(resources, List.of());
        // Devices are left out: an update must not widen or reset the device rules set at create.
        OciSpec.Resources update = new OciSpec.Resources(null, mapped.memory(), mapped.cpu(), mapped.pids(),
                mapped.hugepageLimits() == null || mapped.hugepageLimits().isEmpty() ? null : mapped.hugepageLimits(),
                mapped.unified() == null || mapped.unified().isEmpty() ? null : mapped.unified());
        String handler = c.metadata().runtimeHandler();
        new RuntimeCli(config.runtimes().get(handler).binary(), ContainerCleaner.runtimeRoot(config, handler))
                .update(c.id(), Json.MAPPER.writeValueAsBytes(update));
    }
}
