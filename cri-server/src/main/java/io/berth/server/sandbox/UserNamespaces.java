package io.berth.server.sandbox;

import io.berth.common.error.FailedPreconditionException;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;

/**
 * berth does not build user namespaces (kubelet's {@code hostUsers: false}): runc 1.1, the runtime it is tested
 * with, has no idmapped mounts, so the container's files would show the host's ids. Status reports
 * {@code user_namespaces: false} for every handler, and a request for one is refused by name rather than run in
 * the host's user namespace. kubelet sends mode NODE for ordinary pods, which is accepted.
 */
public final class UserNamespaces {
    private UserNamespaces() {}

    /** @param field the request field that holds {@code options}, for the error message */
    public static void refuseUnsupported(NamespaceOption options, String field) {
        if (options.hasUsernsOptions() && options.getUsernsOptions().getMode() != NamespaceMode.NODE) {
            throw new FailedPreconditionException(field + ".userns_options: mode "
                    + options.getUsernsOptions().getMode() + " asks for a user namespace, which berth does not"
                    + " support (it needs idmapped mounts from the OCI runtime, which runc 1.1 lacks); run the pod"
                    + " with hostUsers: true");
        }
    }
}
