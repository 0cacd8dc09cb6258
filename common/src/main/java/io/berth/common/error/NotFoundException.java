package io.berth.common.error;

/** The named object does not exist. */
public class NotFoundException extends BerthException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
