package io.berth.shim.stdio;

import java.io.IOException;

/** The other side sent something that is not a frame: the connection is unusable and is dropped. */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
