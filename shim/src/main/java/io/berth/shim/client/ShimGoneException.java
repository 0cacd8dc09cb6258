package io.berth.shim.client;

import io.berth.common.error.UnavailableException;
import io.berth.shim.api.ExitStatus;
import java.util.Optional;

/**
 * The shim of a container is dead: its socket refuses connections and its process is gone. The caller
 * marks the container EXITED, with {@link #recordedExit()} if the shim wrote one before it died, else
 * with an unknown exit and a reason that says the shim was lost.
 */
public final class ShimGoneException extends UnavailableException {
    private static final long serialVersionUID = 1L;

    private final transient ExitStatus recordedExit;

    ShimGoneException(String message, ExitStatus recordedExit, Throwable cause) {
        super(message, cause);
        this.recordedExit = recordedExit;
    }

    /** The exit the shim recorded before it died, if the container had exited by then. */
    public Optional<ExitStatus> recordedExit() {
        return Optional.ofNullable(recordedExit);
    }
}
