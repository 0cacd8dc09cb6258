package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;

/** The uncompressed layer is not the one the image config names: corrupt or substituted content. */
public class DiffIdMismatchException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    public DiffIdMismatchException(String expected, String actual) {
        super("layer content does not match the image config: diffID is " + actual + ", expected " + expected);
    }
}
