package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.SupplementalGroupsPolicy;
import io.berth.server.container.spec.UserDatabase.PasswdEntry;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Decides uid, gid and groups of a container's first process from the CRI security context, else the image's
 * {@code User}, looking names up in the container's own {@code /etc/passwd} and {@code /etc/group}.
 */
public final class UserResolver {
    private static final String SC = "config.linux.security_context.";

    private UserResolver() {}

    public static ResolvedUser resolve(LinuxContainerSecurityContext sc, ImageProcessDefaults image, Path rootfs) {
        return resolve(sc, image, UserDatabase.read(rootfs));
    }

    static ResolvedUser resolve(LinuxContainerSecurityContext sc, ImageProcessDefaults image, UserDatabase db) {
        String username = sc.getRunAsUsername();
        if (!username.isEmpty() && sc.hasRunAsUser()) {
            throw new InvalidArgumentException(SC + "run_as_user and run_as_username are mutually exclusive");
        }
        if (sc.hasRunAsGroup() && !sc.hasRunAsUser() && username.isEmpty()) {
            throw new InvalidArgumentException(SC + "run_as_group is set without run_as_user or run_as_username");
        }

        String user;
        String group = null;
        String field;
        if (!username.isEmpty()) {
            user = username;
            field = SC + "run_as_username";
        } else if (sc.hasRunAsUser()) {
            user = Long.toString(checkedId(sc.getRunAsUser().getValue(), SC + "run_as_user"));
            field = SC + "run_as_user";
        } else if (!image.user().isEmpty()) {
            int colon = image.user().indexOf(':');
            user = colon < 0 ? image.user() : image.user().substring(0, colon);
            group = colon < 0 ? null : image.user().substring(colon + 1);
            field = "image config User";
            if (user.isEmpty()) {
                throw new InvalidArgumentException(field + ": '" + image.user() + "' names no user");
            }
        } else {
            user = "0";
            field = "default user";
        }

        long uid;
        long gid;
        String name;
        Optional<Long> numericUid = UserDatabase.parseId(user);
        if (numericUid.isPresent()) {
            uid = numericUid.get();
            Optional<PasswdEntry> entry = db.userById(uid);
            // A uid without a passwd entry is legal (docker/containerd run it with gid 0).
            gid = entry.map(PasswdEntry::gid).orElse(0L);
            name = entry.map(PasswdEntry::name).orElse(null);
        } else {
            PasswdEntry entry = db.userByName(user).orElseThrow(() -> new InvalidArgumentException(
                    field + ": user '" + printable(user) + "' not found in the image's /etc/passwd"));
            uid = entry.uid();
            gid = entry.gid();
            name = entry.name();
        }

        if (group != null) {
            String g = group;
            gid = UserDatabase.parseId(g).orElseGet(() -> db.groupByName(g)
                    .orElseThrow(() -> new InvalidArgumentException(
                            field + ": group '" + printable(g) + "' not found in the image's /etc/group"))
                    .gid());
        }
        if (sc.hasRunAsGroup()) {
            gid = checkedId(sc.getRunAsGroup().getValue(), SC + "run_as_group");
        }

        Set<Long> groups = new LinkedHashSet<>();
        groups.add(gid);
        if (sc.getSupplementalGroupsPolicy() == SupplementalGroupsPolicy.Merge && name != null) {
            groups.addAll(db.supplementaryGids(name));
        } else if (sc.getSupplementalGroupsPolicy() == SupplementalGroupsPolicy.UNRECOGNIZED) {
            throw new InvalidArgumentException(SC + "supplemental_groups_policy: unknown policy "
                    + sc.getSupplementalGroupsPolicyValue());
        }
        for (long g : sc.getSupplementalGroupsList()) {
            groups.add(checkedId(g, SC + "supplemental_groups"));
        }
        return new ResolvedUser(uid, gid, groups.stream().toList());
    }

    private static long checkedId(long id, String field) {
        if (id < 0 || id > UserDatabase.MAX_ID) {
            throw new InvalidArgumentException(field + ": " + id + " is not a valid id (0.." + UserDatabase.MAX_ID + ")");
        }
        return id;
    }

    private static String printable(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s.replace("\0", "\\0");
    }
}
