package io.berth.server.container;

import io.berth.cri.v1.LinuxContainerResources;

/**
 * The changing part of a container: where it is in CREATED → RUNNING → EXITED, and how it ended.
 *
 * @param pid the container's init pid on the host while it runs, else 0
 * @param reason CRI reason once exited: Completed, Error, OOMKilled, or why berth could not tell
 * @param resources what the last UpdateContainerResources set, or null before the first, while the config's apply
 */
public record ContainerRunStatus(
        Phase phase,
        int pid,
        long startedAtNanos,
        long finishedAtNanos,
        int exitCode,
        String reason,
        String message,
        LinuxContainerResources resources) {

    /** The CRI container states berth moves through. */
    public enum Phase {
        CREATED,
        RUNNING,
        EXITED,
        UNKNOWN
    }

    public static ContainerRunStatus created() {
        return new ContainerRunStatus(Phase.CREATED, 0, 0, 0, 0, "", "", null);
    }

    public ContainerRunStatus started(int newPid, long atNanos) {
        return new ContainerRunStatus(Phase.RUNNING, newPid, atNanos, 0, 0, "", "", resources);
    }

    public ContainerRunStatus exited(int code, long atNanos, String why, String detail) {
        // The shim's clock stamps the exit, berthd's the start: a process that exits at once must still not
        // appear to finish before it started.
        long finished = Math.max(atNanos, startedAtNanos);
        return new ContainerRunStatus(Phase.EXITED, 0, startedAtNanos, finished, code, why, detail, resources);
    }

    public ContainerRunStatus withResources(LinuxContainerResources linuxResources) {
        return new ContainerRunStatus(phase, pid, startedAtNanos, finishedAtNanos, exitCode, reason, message,
                linuxResources);
    }
}
