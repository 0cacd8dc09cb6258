package io.berth.server.container.spec;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.SecurityProfile;
import io.berth.cri.v1.SecurityProfile.ProfileType;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The AppArmor profile of a container ({@code process.apparmorProfile}). With AppArmor on, RuntimeDefault (also
 * when nothing is asked, per kubernetes#51746) is berth's default profile except for privileged containers; on a
 * host without AppArmor only a Localhost profile is an error, since nothing else asks for something specific.
 */
public final class AppArmorProfiles {
    /** The profile berth loads at start, as containerd loads {@code cri-containerd.apparmor.d}. */
    public static final String DEFAULT_PROFILE = "berth-default";
    private static final String SC = "config.linux.security_context.";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_./:@+\\-]{1,255}");

    private AppArmorProfiles() {}

    public static Optional<String> select(LinuxContainerSecurityContext sc, boolean apparmorEnabled) {
        String field;
        SecurityProfile p;
        if (sc.hasApparmor()) {
            field = SC + "apparmor";
            p = sc.getApparmor();
        } else if (!sc.getApparmorProfile().isEmpty()) {
            field = SC + "apparmor_profile";
            p = SeccompProfiles.legacy(sc.getApparmorProfile(), field, false);
        } else {
            field = SC + "apparmor";
            p = SecurityProfile.newBuilder().setProfileType(ProfileType.RuntimeDefault).build();
        }
        if (p.getProfileType() != ProfileType.Localhost && !p.getLocalhostRef().isEmpty()) {
            throw new InvalidArgumentException(field + ": localhost_ref is only allowed with profile type Localhost");
        }
        switch (p.getProfileType()) {
            case Unconfined:
                return Optional.empty();
            case RuntimeDefault:
                return apparmorEnabled && !sc.getPrivileged() ? Optional.of(DEFAULT_PROFILE) : Optional.empty();
            case Localhost:
                String name = p.getLocalhostRef().startsWith("localhost/")
                        ? p.getLocalhostRef().substring("localhost/".length()) : p.getLocalhostRef();
                if (!NAME.matcher(name).matches()) {
                    throw new InvalidArgumentException(field + ": '" + Require.printable(name)
                            + "' is not an AppArmor profile name");
                }
                if (!apparmorEnabled) {
                    throw new FailedPreconditionException(field + ": AppArmor profile '" + name
                            + "' was requested but AppArmor is not enabled on this host");
                }
                return Optional.of(name);
            default:
                throw new InvalidArgumentException(field + ": unknown profile type " + p.getProfileTypeValue());
        }
    }
}
