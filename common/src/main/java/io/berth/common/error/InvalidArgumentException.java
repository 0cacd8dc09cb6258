package io.berth.common.error;

/** The request itself is wrong; retrying it unchanged cannot succeed. */
public class InvalidArgumentException extends BerthException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(message);
    }

    public InvalidArgumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
