package io.berth.server.image.content;

import io.berth.common.error.FailedPreconditionException;

/**
 * The bytes offered for a digest were not that digest's content (wrong size or wrong hash). Nothing was
 * stored. A registry client treats this as a fault of the source, so it may try another mirror.
 */
public class BlobVerificationException extends FailedPreconditionException {
    private static final long serialVersionUID = 1L;

    public BlobVerificationException(String message) {
        super(message);
    }
}
