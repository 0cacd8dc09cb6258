package io.berth.common.error;

/** berth itself failed in a way the caller cannot fix; the message says where. */
public class InternalException extends BerthException {
    private static final long serialVersionUID = 1L;

    public InternalException(String message) {
        super(message);
    }

    public InternalException(String message, Throwable cause) {
        super(message, cause);
    }
}
