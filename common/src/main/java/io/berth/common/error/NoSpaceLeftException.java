package io.berth.common.error;

/**
 * A disk berth writes to is full (ENOSPC). The caller can act on it by freeing space, so it is a limit reached
 * (RESOURCE_EXHAUSTED), not a fault of berthd.
 */
public class NoSpaceLeftException extends ResourceExhaustedException {
    private static final long serialVersionUID = 1L;
    /** strerror(ENOSPC): the message the JDK and libc give a write that found the disk full. */
    public static final String ENOSPC_MESSAGE = "No space left on device";

    public NoSpaceLeftException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure} or one of its causes is a write that found the disk full. */
    public static boolean isCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoSpaceLeftException
                    || t.getMessage() != null && t.getMessage().contains(ENOSPC_MESSAGE)) {
                return true;
            }
        }
        return false;
    }
}
