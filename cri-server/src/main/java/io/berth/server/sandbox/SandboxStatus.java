package io.berth.server.sandbox;

import java.util.List;

/**
 * The changing part of a sandbox.
 *
 * @param ready READY while its namespaces and network stand; NOTREADY after stop or a lost state dir
 * @param ips pod IPs, primary first; empty for host-network pods and before networking is set up
 * @param networkAttached whether set-up ran and tear-down is still owed
 * @param infraPid host pid of the pod's init process, whose PID namespace POD-mode containers share; 0 if none
 */
public record SandboxStatus(boolean ready, List<String> ips, boolean networkAttached, int infraPid) {
    public SandboxStatus {
        ips = ips == null ? List.of() : List.copyOf(ips);
    }

    public static SandboxStatus created() {
        return new SandboxStatus(true, List.of(), false, 0);
    }

    public SandboxStatus notReady() {
        return new SandboxStatus(false, ips, networkAttached, infraPid);
    }

    public SandboxStatus withNetwork(List<String> podIps) {
        return new SandboxStatus(ready, podIps, true, infraPid);
    }

    public SandboxStatus networkReleased() {
        return new SandboxStatus(ready, ips, false, infraPid);
    }

    public SandboxStatus withInfra(int pid) {
        return new SandboxStatus(ready, ips, networkAttached, pid);
    }
}
