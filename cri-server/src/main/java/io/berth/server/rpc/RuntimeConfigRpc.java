package io.berth.server.rpc;

import io.berth.cri.v1.CgroupDriver;
import io.berth.cri.v1.LinuxRuntimeConfiguration;
import io.berth.cri.v1.RuntimeConfigRequest;
import io.berth.cri.v1.RuntimeConfigResponse;
import io.berth.server.config.BerthConfig;
import io.berth.server.grpc.UnaryRpc;

/** RuntimeConfig: lets kubelet take its cgroup driver from the runtime instead of its own flag. */
public final class RuntimeConfigRpc implements UnaryRpc<RuntimeConfigRequest, RuntimeConfigResponse> {
    private final CgroupDriver driver;

    public RuntimeConfigRpc(BerthConfig config) {
        this.driver = switch (config.cgroupDriver()) {
            case SYSTEMD -> CgroupDriver.SYSTEMD;
            case CGROUPFS -> CgroupDriver.CGROUPFS;
        };
    }

    @Override
    public RuntimeConfigResponse call(RuntimeConfigRequest request) {
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver))
                .build();
    }
}
