package io.berth.server.admin;

import io.berth.admin.v1.ShimHost;
import java.util.List;

/** The shim hosts berthd knows, as Health reports them: {@link LiveShimHosts} in berthd, a fake in tests. */
@FunctionalInterface
public interface ShimHostFacts {
    List<ShimHost> list();
}
