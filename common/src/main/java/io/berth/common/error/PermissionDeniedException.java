package io.berth.common.error;

/** The caller or the host does not allow the operation. */
public class PermissionDeniedException extends BerthException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String message) {
        super(message);
    }

    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
