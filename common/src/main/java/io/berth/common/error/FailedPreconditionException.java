package io.berth.common.error;

/** The object is in a state that does not allow the operation (for example exec in a stopped container). */
public class FailedPreconditionException extends BerthException {
    private static final long serialVersionUID = 1L;

    public FailedPreconditionException(String message) {
        super(message);
    }

    public FailedPreconditionException(String message, Throwable cause) {
        super(message, cause);
    }
}
