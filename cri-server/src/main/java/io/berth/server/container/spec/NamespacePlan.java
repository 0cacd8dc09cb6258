package io.berth.server.container.spec;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The namespaces a container joins or creates. Network, IPC and UTS are the pod's pinned namespaces (or the
 * host's), PID follows the CRI mode, mount is always new, and cgroup is new on cgroup v2 hosts so the
 * container sees its own cgroup as the root. A host namespace is expressed by leaving it out.
 */
public record NamespacePlan(List<OciSpec.Namespace> namespaces, boolean hostNetwork, boolean hostIpc,
        boolean hostPid) {

    private static final String FIELD = "config.linux.security_context.namespace_options.";

    public static NamespacePlan of(NamespaceOption options, SandboxFacts sandbox, boolean cgroupV2, long targetPid) {
        List<OciSpec.Namespace> ns = new ArrayList<>();
        boolean hostPid = false;
        switch (options.getPid()) {
            case CONTAINER -> ns.add(new OciSpec.Namespace("pid", null));
            case POD -> ns.add(new OciSpec.Namespace("pid", required(sandbox.pidNsPath(), "PID", sandbox)));
            case NODE -> hostPid = true;
            case TARGET -> {
                if (targetPid <= 0) {
                    throw new FailedPreconditionException(FIELD + "pid: TARGET mode needs the running target"
                            + " container '" + ContainerPaths.shown(options.getTargetId()) + "'");
                }
                ns.add(new OciSpec.Namespace("pid", "/proc/" + targetPid + "/ns/pid"));
            }
            default -> throw new InvalidArgumentException(FIELD + "pid: unknown mode " + options.getPidValue());
        }
        boolean hostNetwork = shared(options.getNetwork(), options.getNetworkValue(), "network");
        if (!hostNetwork) {
            ns.add(new OciSpec.Namespace("network", required(sandbox.netNsPath(), "network", sandbox)));
            // The UTS namespace goes with the network one, as in kubelet's model: hostNetwork shares both.
            ns.add(new OciSpec.Namespace("uts", required(sandbox.utsNsPath(), "UTS", sandbox)));
        }
        boolean hostIpc = shared(options.getIpc(), options.getIpcValue(), "ipc");
        if (!hostIpc) {
            ns.add(new OciSpec.Namespace("ipc", required(sandbox.ipcNsPath(), "IPC", sandbox)));
        }
        ns.add(new OciSpec.Namespace("mount", null));
        if (cgroupV2) {
            ns.add(new OciSpec.Namespace("cgroup", null));
        }
        return new NamespacePlan(List.copyOf(ns), hostNetwork, hostIpc, hostPid);
    }

    /** True for the host's namespace; the pod's otherwise. A container never gets its own network or IPC. */
    private static boolean shared(NamespaceMode mode, int raw, String name) {
        return switch (mode) {
            case NODE -> true;
            case POD -> false;
            default -> throw new InvalidArgumentException(FIELD + name + ": mode "
                    + (mode == NamespaceMode.UNRECOGNIZED ? String.valueOf(raw) : mode.name())
                    + " is not supported; containers share the pod's or the node's " + name + " namespace");
        };
    }

    private static String required(String path, String what, SandboxFacts sandbox) {
        if (path.isEmpty()) {
            throw new FailedPreconditionException("sandbox " + sandbox.podId() + " has no " + what
                    + " namespace to join");
        }
        return path;
    }
}
