package io.berth.common.error;

/** The operation is part of the API but berth does not do it (yet, or on this host). */
public class UnimplementedException extends BerthException {
    private static final long serialVersionUID = 1L;

    public UnimplementedException(String message) {
        super(message);
    }

    public UnimplementedException(String message, Throwable cause) {
        super(message, cause);
    }
}
