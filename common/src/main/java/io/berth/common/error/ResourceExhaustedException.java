package io.berth.common.error;

/** A limit was reached: a range, a cap, a quota. */
public class ResourceExhaustedException extends BerthException {
    private static final long serialVersionUID = 1L;

    public ResourceExhaustedException(String message) {
        super(message);
    }

    public ResourceExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
