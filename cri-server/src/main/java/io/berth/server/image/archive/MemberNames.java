package io.berth.server.image.archive;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Names of archive members in one canonical form ({@code a/b/c}: no {@code .}, no empty component, no
 * trailing slash), so that {@code ./index.json} and {@code index.json} are one member. A name is only ever
 * looked up among the members, never used as a filesystem path; still, a name that is absolute or climbs
 * with {@code ..} marks a hostile or broken archive, and is refused rather than made harmless.
 */
final class MemberNames {
    private static final String BLOBS = "blobs";

    private MemberNames() {}

    /** The canonical form of {@code raw}; the archive's root itself ({@code ./}) is the empty name. */
    static String normalize(String raw) {
        return String.join("/", components(raw, List.of(), raw));
    }

    /**
     * The member a symbolic link at {@code link} with target {@code target} leads to: the target is taken
     * relative to the link's directory, inside the archive. docker save writes such links for a layer that an
     * image holds twice.
     */
    static String linkTarget(String link, String target) {
        List<String> parent = new ArrayList<>(List.of(link.split("/")));
        parent.remove(parent.size() - 1);
        return String.join("/", components(target, parent, link));
    }

    /** The digest a member named {@code blobs/<algorithm>/<hex>} holds by the OCI layout's rule, if so named. */
    static Optional<Digest> blobDigest(String name) {
        String[] parts = name.split("/");
        if (parts.length != 3 || !parts[0].equals(BLOBS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Digest(parts[1], parts[2]));
        } catch (InvalidArgumentException e) {
            return Optional.empty();
        }
    }

    /** Where the OCI layout keeps the blob {@code digest}. */
    static String blobPath(Digest digest) {
        return BLOBS + "/" + digest.algorithm() + "/" + digest.hex();
    }

    private static List<String> components(String path, List<String> start, String member) {
        if (path == null || path.isEmpty()) {
            throw new InvalidArgumentException("archive member '" + Require.printable(member) + "' has an empty path");
        }
        if (path.startsWith("/")) {
            throw new InvalidArgumentException("archive member '" + Require.printable(member) + "' has an absolute"
                    + " path" + (path.equals(member) ? "" : " as its link target") + "; archive paths are relative");
        }
        if (path.indexOf('\0') >= 0) {
            throw new InvalidArgumentException("archive member '" + Require.printable(member) + "' has a NUL byte in"
                    + " its path");
        }
        List<String> out = new ArrayList<>(start);
        for (String component : path.split("/")) {
            if (component.isEmpty() || component.equals(".")) {
                continue;
            }
            if (component.equals("..")) {
                if (start.isEmpty() || out.isEmpty()) {
                    throw new InvalidArgumentException("archive member '" + Require.printable(member) + "' leads"
                            + " out of the archive with '..'");
                }
                out.remove(out.size() - 1);
                continue;
            }
            out.add(component);
        }
        return out;
    }
}
