package io.berth.server.image.pull;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.BerthException;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.error.UnimplementedException;

/**
 * Puts "which image, which layer" in front of a failure from deeper code, keeping its kind (and so its
 * gRPC code): a person reading "unsafe layer entry '../x'" needs to know which pull (or archive import) it
 * came from.
 */
public final class PullErrors {
    private PullErrors() {}

    public static BerthException withContext(String context, BerthException e) {
        String message = context + ": " + e.getMessage();
        if (e instanceof InvalidArgumentException) {
            return new InvalidArgumentException(message, e);
        }
        if (e instanceof FailedPreconditionException) {
            return new FailedPreconditionException(message, e);
        }
        if (e instanceof NotFoundException) {
            return new NotFoundException(message, e);
        }
        if (e instanceof UnavailableException) {
            return new UnavailableException(message, e);
        }
        if (e instanceof ResourceExhaustedException) {
            return new ResourceExhaustedException(message, e);
        }
        if (e instanceof PermissionDeniedException) {
            return new PermissionDeniedException(message, e);
        }
        if (e instanceof DeadlineExceededException) {
            return new DeadlineExceededException(message, e);
        }
        if (e instanceof AlreadyExistsException) {
            return new AlreadyExistsException(message, e);
        }
        if (e instanceof UnimplementedException) {
            return new UnimplementedException(message, e);
        }
        return new InternalException(message, e);
    }
}
