package io.berth.shim;

import io.berth.shim.api.Error;

/** A request the shim refuses, with the code the client sees (e.g. resize of a container without a terminal). */
final class ShimOperationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Error.Code code;

    ShimOperationException(Error.Code code, String message) {
        super(message);
        this.code = code;
    }

    static ShimOperationException failedPrecondition(String message) {
        return new ShimOperationException(Error.Code.FAILED_PRECONDITION, message);
    }

    Error.Code code() {
        return code;
    }
}
