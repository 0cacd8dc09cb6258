package io.berth.common.error;

/** A dependency is not reachable right now; the same request may succeed later. */
public class UnavailableException extends BerthException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(message);
    }

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
