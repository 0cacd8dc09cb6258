package io.berth.shim;

import io.berth.common.time.UnixNanos;
import io.berth.linux.ChildProcesses.WaitStatus;
import io.berth.shim.api.ExitStatus;
import java.time.Instant;

/** The exit a container shim records: from the wait status when it was the parent, else unknown and why. */
final class ExitStatuses {
    private ExitStatuses() {}

    /** A child's exit, with the CRI's reasons: OOMKilled, Completed or Error. */
    static ExitStatus of(WaitStatus status, boolean oomKilled, Instant at) {
        int code = status.shellExitCode();
        return ExitStatus.newBuilder().setExitedAtUnixNanos(UnixNanos.of(at)).setExitCode(code)
                .setSignal(status.signal())
                .setReason(oomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error").build();
    }

    /** The exit of an adopted container, which was not this process's child: 255, as containerd reports a lost one. */
    static ExitStatus unknown(Instant at) {
        return ExitStatus.newBuilder().setExitedAtUnixNanos(UnixNanos.of(at)).setExitCode(255).setReason("Unknown")
                .setMessage("the container's shim host died and the host that adopted it is not its parent;"
                        + " only the parent learns an exit code")
                .build();
    }
}
