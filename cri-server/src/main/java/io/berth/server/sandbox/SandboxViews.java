package io.berth.server.sandbox;

import io.berth.cri.v1.LinuxPodSandboxStatus;
import io.berth.cri.v1.Namespace;
import io.berth.cri.v1.PodIP;
import io.berth.cri.v1.PodSandbox;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PodSandboxNetworkStatus;
import io.berth.cri.v1.PodSandboxState;
import io.berth.cri.v1.PodSandboxStatus;

/** Sandbox records as the CRI messages kubelet reads. */
public final class SandboxViews {
    private SandboxViews() {}

    public static PodSandbox summary(SandboxStore.Sandbox s) {
        PodSandboxConfig c = s.metadata().config();
        return PodSandbox.newBuilder()
                .setId(s.id())
                .setMetadata(c.getMetadata())
                .setState(state(s))
                .setCreatedAt(s.metadata().createdAtNanos())
                .putAllLabels(c.getLabelsMap())
                .putAllAnnotations(c.getAnnotationsMap())
                .setRuntimeHandler(s.metadata().runtimeHandler())
                .build();
    }

    public static PodSandboxStatus status(SandboxStore.Sandbox s) {
        PodSandboxConfig c = s.metadata().config();
        PodSandboxStatus.Builder b = PodSandboxStatus.newBuilder()
                .setId(s.id())
                .setMetadata(c.getMetadata())
                .setState(state(s))
                .setCreatedAt(s.metadata().createdAtNanos())
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(c.getLinux().getSecurityContext().getNamespaceOptions())))
                .putAllLabels(c.getLabelsMap())
                .putAllAnnotations(c.getAnnotationsMap())
                .setRuntimeHandler(s.metadata().runtimeHandler());
        if (!s.status().ips().isEmpty()) {
            PodSandboxNetworkStatus.Builder net = PodSandboxNetworkStatus.newBuilder().setIp(s.status().ips().get(0));
            for (String extra : s.status().ips().subList(1, s.status().ips().size())) {
                net.addAdditionalIps(PodIP.newBuilder().setIp(extra));
            }
            b.setNetwork(net);
        }
        return b.build();
    }

    public static PodSandboxState state(SandboxStore.Sandbox s) {
        return s.status().ready() ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }
}
