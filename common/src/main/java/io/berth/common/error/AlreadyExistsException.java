package io.berth.common.error;

/** An object with that name or id already exists. */
public class AlreadyExistsException extends BerthException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String message) {
        super(message);
    }

    public AlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
