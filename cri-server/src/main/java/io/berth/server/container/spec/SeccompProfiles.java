package io.berth.server.container.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.json.JsonTrees;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.SecurityProfile;
import io.berth.cri.v1.SecurityProfile.ProfileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The seccomp filter of a container: none when privileged or Unconfined, berth's shipped default for
 * RuntimeDefault, or a node-local profile file for Localhost. The newer {@code seccomp} field wins over the
 * deprecated {@code seccomp_profile_path}; neither set means Unconfined, as kubelet and containerd define it.
 */
public final class SeccompProfiles {
    static final String DEFAULT_RESOURCE = "seccomp-default.json";
    /** Real profiles are tens of KiB; the bound keeps a hostile file from costing memory and parse time. */
    static final int MAX_PROFILE_BYTES = 1024 * 1024;
    private static final String SC = "config.linux.security_context.";

    private final HostFilesystem fs;
    private final String arch;
    private final JsonNode defaultProfile;

    public SeccompProfiles(HostFilesystem fs, String arch) {
        this.fs = fs;
        this.arch = arch;
        this.defaultProfile = loadDefault();
    }

    /** @param caps the container's bounding set: the default profile opens syscalls that some caps need */
    public Optional<OciSpec.Seccomp> select(LinuxContainerSecurityContext sc, List<String> caps) {
        if (sc.getPrivileged()) {
            return Optional.empty();
        }
        String field = sc.hasSeccomp() ? SC + "seccomp" : SC + "seccomp_profile_path";
        SecurityProfile p = sc.hasSeccomp() ? sc.getSeccomp()
                : legacy(sc.getSeccompProfilePath(), field, true);
        if (p.getProfileType() != ProfileType.Localhost && !p.getLocalhostRef().isEmpty()) {
            throw new InvalidArgumentException(field + ": localhost_ref is only allowed with profile type Localhost");
        }
        Set<String> capSet = Set.copyOf(caps);
        return switch (p.getProfileType()) {
            case Unconfined -> Optional.empty();
            case RuntimeDefault -> Optional.of(new SeccompConverter("berth default seccomp profile", arch, capSet)
                    .convert(defaultProfile));
            case Localhost -> Optional.of(localhost(p.getLocalhostRef(), field, capSet));
            default -> throw new InvalidArgumentException(field + ": unknown profile type "
                    + p.getProfileTypeValue());
        };
    }

    private OciSpec.Seccomp localhost(String ref, String field, Set<String> caps) {
        String path = ref.startsWith("localhost/") ? ref.substring("localhost/".length()) : ref;
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(field + ": localhost profile '" + Require.printable(path)
                    + "' is not an absolute path");
        }
        byte[] bytes;
        try {
            bytes = fs.readFile(path, MAX_PROFILE_BYTES).orElseThrow(() -> new NotFoundException(
                    field + ": localhost seccomp profile '" + Require.printable(path) + "' does not exist"));
        } catch (IOException e) {
            throw new InvalidArgumentException(field + ": cannot use localhost seccomp profile '"
                    + Require.printable(path) + "': " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = Mappers.plain().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new InvalidArgumentException(field + ": localhost seccomp profile '" + Require.printable(path)
                    + "' is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return new SeccompConverter(field + " '" + Require.printable(path) + "'", arch, caps).convert(root);
    }

    /**
     * The pre-1.19 string form shared by the seccomp and AppArmor fields: {@code runtime/default},
     * {@code docker/default} (seccomp only), {@code unconfined}, {@code localhost/<ref>}; empty is Unconfined.
     */
    static SecurityProfile legacy(String value, String field, boolean dockerDefaultAllowed) {
        SecurityProfile.Builder b = SecurityProfile.newBuilder();
        if (value.isEmpty() || value.equals("unconfined")) {
            return b.setProfileType(ProfileType.Unconfined).build();
        }
        if (value.equals("runtime/default") || (dockerDefaultAllowed && value.equals("docker/default"))) {
            return b.setProfileType(ProfileType.RuntimeDefault).build();
        }
        if (value.startsWith("localhost/") && value.length() > "localhost/".length()) {
            return b.setProfileType(ProfileType.Localhost).setLocalhostRef(value.substring("localhost/".length()))
                    .build();
        }
        throw new InvalidArgumentException(field + ": '" + Require.printable(value) + "' is not one of "
                + "runtime/default, " + (dockerDefaultAllowed ? "docker/default, " : "")
                + "unconfined, localhost/<profile>");
    }

    private static JsonNode loadDefault() {
        try (InputStream in = SeccompProfiles.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_RESOURCE + " is missing from the berthd jar");
            }
            // The streaming parser alone: this runs while berthd starts, where an ObjectMapper costs 45 ms.
            return JsonTrees.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + DEFAULT_RESOURCE, e);
        }
    }
}
