package io.berth.server.container.spec;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The namespaces a container joins or creates. Network, IPC and UTS are always the sandbox's (its pinned ones,
 * or the host's), whatever the container config says, as containerd does: crictl and critest send container
 * configs without namespace options, which read as POD, also into host-network pods. PID follows the container's
 * mode, where POD means "what the sandbox chose": its shared namespace, the host's, or (sandbox mode CONTAINER)
 * one of the container's own. Mount is always new, and cgroup is new on cgroup v2 hosts so the container sees
 * its own cgroup as the root. A host namespace is expressed by leaving it out.
 */
public record NamespacePlan(List<OciSpec.Namespace> namespaces, boolean hostNetwork, boolean hostIpc,
        boolean hostPid) {

    private static final String FIELD = "config.linux.security_context.namespace_options.";

    public static NamespacePlan of(NamespaceOption options, SandboxFacts sandbox, boolean cgroupV2, long targetPid) {
        List<OciSpec.Namespace> ns = new ArrayList<>();
        boolean hostPid = false;
        switch (options.getPid()) {
            case CONTAINER -> ns.add(new OciSpec.Namespace("pid", null));
            case POD -> {
                switch (sandbox.pidMode()) {
                    case NODE -> hostPid = true;
                    case POD -> ns.add(new OciSpec.Namespace("pid", required(sandbox.pidNsPath(), "PID", sandbox)));
                    default -> ns.add(new OciSpec.Namespace("pid", null));
                }
            }
            case NODE -> hostPid = true;
            case TARGET -> {
                if (targetPid <= 0) {
                    throw new FailedPreconditionException(FIELD + "pid: TARGET mode needs the running target"
                            + " container '" + Require.printable(options.getTargetId()) + "'");
                }
                ns.add(new OciSpec.Namespace("pid", "/proc/" + targetPid + "/ns/pid"));
            }
            default -> throw new InvalidArgumentException(FIELD + "pid: unknown mode " + options.getPidValue());
        }
        checkShared(options.getNetwork(), options.getNetworkValue(), "network");
        boolean hostNetwork = sandbox.netNsPath().isEmpty();
        if (!hostNetwork) {
            ns.add(new OciSpec.Namespace("network", required(sandbox.netNsPath(), "network", sandbox)));
            // The UTS namespace goes with the network one, as in kubelet's model: hostNetwork shares both.
            ns.add(new OciSpec.Namespace("uts", required(sandbox.utsNsPath(), "UTS", sandbox)));
        }
        checkShared(options.getIpc(), options.getIpcValue(), "ipc");
        boolean hostIpc = sandbox.ipcNsPath().isEmpty();
        if (!hostIpc) {
            ns.add(new OciSpec.Namespace("ipc", required(sandbox.ipcNsPath(), "IPC", sandbox)));
        }
        ns.add(new OciSpec.Namespace("mount", null));
        if (cgroupV2) {
            ns.add(new OciSpec.Namespace("cgroup", null));
        }
        return new NamespacePlan(List.copyOf(ns), hostNetwork, hostIpc, hostPid);
    }

    /** POD and NODE both mean "the sandbox's"; a container never gets a network or IPC namespace of its own. */
    private static void checkShared(NamespaceMode mode, int raw, String name) {
        if (mode != NamespaceMode.POD && mode != NamespaceMode.NODE) {
            throw new InvalidArgumentException(FIELD + name + ": mode "
                    + (mode == NamespaceMode.UNRECOGNIZED ? String.valueOf(raw) : mode.name())
                    + " is not supported; containers share the pod's or the node's " + name + " namespace");
        }
    }

    private static String required(String path, String what, SandboxFacts sandbox) {
        if (path.isEmpty()) {
            throw new FailedPreconditionException("sandbox " + sandbox.podId() + " has no " + what
                    + " namespace to join; its init process or pinned namespace is gone");
        }
        return path;
    }
}
