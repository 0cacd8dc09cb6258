package io.berth.server.container;

import io.berth.server.container.spec.SandboxFacts;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.server.sandbox.SandboxPaths;
import io.berth.server.sandbox.SandboxStore;

/**
 * What a container spec needs to know about its sandbox, read from the stored record: namespace files, shared /etc
 * files, cgroup parent, sysctls.
 */
public final class StoredSandboxFacts implements ContainerCreator.SandboxFactsSource {
    @Override
    public SandboxFacts facts(SandboxStore.Sandbox sandbox) {
        SandboxMetadata m = sandbox.metadata();
        int infra = sandbox.status().infraPid();
        return facts(m, infra > 0 ? "/proc/" + infra + "/ns/pid" : "");
    }

    /** For the init process itself, which makes the pod's PID namespace rather than joining one. */
    public SandboxFacts withoutPidNamespace(SandboxMetadata m) {
        return facts(m, "");
    }

    private static SandboxFacts facts(SandboxMetadata m, String pidNs) {
        SandboxPaths p = m.paths();
        return new SandboxFacts(
                m.id(),
                m.hostNetwork() ? "" : p.netns().toString(),
                m.hostIpc() ? "" : p.ipcns().toString(),
                m.hostNetwork() ? "" : p.utsns().toString(),
                m.config().getLinux().getSecurityContext().getNamespaceOptions().getPid(),
                pidNs,
                m.config().getLinux().getCgroupParent(),
                p.hosts().toString(),
                p.resolvConf().toString(),
                p.hostname().toString(),
                m.hostIpc() ? "" : p.shm().toString(),
                m.sysctls());
    }
}
