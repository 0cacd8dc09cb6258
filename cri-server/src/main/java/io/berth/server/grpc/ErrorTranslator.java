package io.berth.server.grpc;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.BerthException;
import io.berth.common.error.DeadlineExceededException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NoSpaceLeftException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.PermissionDeniedException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.common.error.UnimplementedException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one place where a failure becomes a gRPC status. Handlers throw; this decides what the caller sees. */
public final class ErrorTranslator {
    private static final Map<Class<? extends Throwable>, Status.Code> CODES = new LinkedHashMap<>();

    static {
        CODES.put(NotFoundException.class, Status.Code.NOT_FOUND);
        CODES.put(AlreadyExistsException.class, Status.Code.ALREADY_EXISTS);
        CODES.put(InvalidArgumentException.class, Status.Code.INVALID_ARGUMENT);
        CODES.put(FailedPreconditionException.class, Status.Code.FAILED_PRECONDITION);
        CODES.put(UnavailableException.class, Status.Code.UNAVAILABLE);
        CODES.put(ResourceExhaustedException.class, Status.Code.RESOURCE_EXHAUSTED);
        CODES.put(DeadlineExceededException.class, Status.Code.DEADLINE_EXCEEDED);
        CODES.put(PermissionDeniedException.class, Status.Code.PERMISSION_DENIED);
        CODES.put(UnimplementedException.class, Status.Code.UNIMPLEMENTED);
        CODES.put(InternalException.class, Status.Code.INTERNAL);
    }

    /**
     * A status travels in an HTTP/2 trailer, which gRPC clients take up to 8 KiB of (kubelet's too); a message
     * that echoes a megabyte of a request would reach the caller as a bare "http2 exception" instead.
     */
    static final int MAX_DESCRIPTION_CHARS = 4096;

    private ErrorTranslator() {}

    /**
     * The status for a failure of the named RPC. Typed failures keep their message; anything else is
     * INTERNAL with the exception's kind and message, so the caller gets something to search the log for
     * rather than a bare UNKNOWN.
     */
    public static Status toStatus(String rpc, Throwable failure) {
        Status status = untrimmed(rpc, failure);
        String description = status.getDescription();
        if (description != null && description.length() > MAX_DESCRIPTION_CHARS) {
            return status.withDescription(description.substring(0, MAX_DESCRIPTION_CHARS) + "... ("
                    + description.length() + " characters; the rest is cut off)");
        }
        return status;
    }

    private static Status untrimmed(String rpc, Throwable failure) {
        if (failure instanceof StatusRuntimeException) {
            return ((StatusRuntimeException) failure).getStatus();
        }
        if (failure instanceof StatusException) {
            return ((StatusException) failure).getStatus();
        }
        if (isUntypedOrInternal(failure) && NoSpaceLeftException.isCause(failure)) {
            // A full disk is the operator's to fix, and a record or snapshot that could not be written says only
            // which file; the caller must learn that space ran out.
            String detail = failure.getMessage() == null ? "" : ": " + failure.getMessage();
            if (!detail.contains(NoSpaceLeftException.ENOSPC_MESSAGE)) {
                detail += " (" + NoSpaceLeftException.ENOSPC_MESSAGE + ")";
            }
            return Status.RESOURCE_EXHAUSTED.withDescription(rpc + " failed, a disk of berth's is full" + detail);
        }
        for (Map.Entry<Class<? extends Throwable>, Status.Code> e : CODES.entrySet()) {
            if (e.getKey().isInstance(failure)) {
                return Status.fromCode(e.getValue()).withDescription(failure.getMessage());
            }
        }
        String detail = failure.getMessage() == null ? "" : ": " + failure.getMessage();
        return Status.INTERNAL.withDescription(rpc + " failed inside berthd (" + failure.getClass().getSimpleName()
                + detail + "); see the berthd log for details");
    }

    private static boolean isUntypedOrInternal(Throwable failure) {
        return !(failure instanceof BerthException) || failure instanceof InternalException;
    }

    /** Whether a status means the daemon misbehaved, as opposed to the caller asking for something wrong. */
    static boolean isServerFault(Status status) {
        return status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN;
    }
}
