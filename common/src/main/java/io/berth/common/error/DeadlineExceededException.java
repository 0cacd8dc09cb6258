package io.berth.common.error;

/** The operation did not finish within its allowed time. */
public class DeadlineExceededException extends BerthException {
    private static final long serialVersionUID = 1L;

    public DeadlineExceededException(String message) {
        super(message);
    }

    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
