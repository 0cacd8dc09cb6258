package io.berth.common.error;

/**
 * Base of the typed failures that inner code throws. Each subclass names one outcome a caller can act
 * on; the gRPC edge turns the subclass into a status code, so no handler ever builds a status itself.
 */
public abstract class BerthException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected BerthException(String message) {
        super(message);
    }

    protected BerthException(String message, Throwable cause) {
        super(message, cause);
    }
}
