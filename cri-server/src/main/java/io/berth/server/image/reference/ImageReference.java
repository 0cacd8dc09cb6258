package io.berth.server.image.reference;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A fully qualified image reference, normalized the way Docker and containerd do it, so that the names
 * kubelet sends ({@code busybox}, {@code user/app:1}, {@code localhost:5000/x@sha256:...}) map to the same
 * image that other runtimes would pull.
 *
 * @param domain     registry host namespace, e.g. {@code docker.io}, {@code localhost:5000}
 * @param repository path inside the registry, e.g. {@code library/busybox}
 * @param tag        the tag, or null when the reference names only a digest
 * @param digest     the manifest digest, or null
 */
public record ImageReference(String domain, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    private static final String DEFAULT_TAG = "latest";
    private static final int MAX_NAME_LENGTH = 255;

    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern HEX_ID = Pattern.compile("[a-f0-9]{64}");

    /** Parses and normalizes a reference; every malformed input is an {@link InvalidArgumentException}. */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidArgumentException("image reference is empty");
        }
        String quoted = "'" + Require.printable(text) + "'";
        if (HEX_ID.matcher(text).matches()) {
            throw new InvalidArgumentException("image reference " + quoted
                    + " is a 64-character hex id, not a name; an id cannot be pulled from a registry");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException("image reference " + quoted + " has a bad digest: " + e.getMessage(), e);
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new InvalidArgumentException("image reference " + quoted + " has an invalid tag '"
                        + Require.printable(tag) + "': use letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'");
            }
        }
        if (rest.isEmpty()) {
            throw new InvalidArgumentException("image reference " + quoted + " has no repository name");
        }

        String domain;
        String repository;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? null : rest.substring(0, slash);
        if (first != null && (first.contains(".") || first.contains(":") || first.equals("localhost")
                || !first.equals(first.toLowerCase(Locale.ROOT)))) {
            domain = first;
            repository = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) {
                throw new InvalidArgumentException("image reference " + quoted + " has an invalid registry host '"
                        + Require.printable(domain) + "'");
            }
        } else {
            domain = DOCKER_HUB;
            repository = rest;
        }
        if (domain.equals(LEGACY_DOCKER_HUB)) {
            domain = DOCKER_HUB;
        }
        if (domain.equals(DOCKER_HUB) && repository.indexOf('/') < 0) {
            repository = OFFICIAL_PREFIX + repository;
        }
        checkRepository(repository, quoted);
        if (domain.length() + 1 + repository.length() > MAX_NAME_LENGTH) {
            throw new InvalidArgumentException("image reference " + quoted + " is too long: the name may have at most "
                    + MAX_NAME_LENGTH + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(domain, repository, tag, digest);
    }

    private static void checkRepository(String repository, String quoted) {
        if (!repository.equals(repository.toLowerCase(Locale.ROOT))) {
            throw new InvalidArgumentException("image reference " + quoted + " is invalid: repository name '"
                    + Require.printable(repository) + "' must be lowercase");
        }
        for (String component : repository.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw new InvalidArgumentException("image reference " + quoted + " is invalid: path component '"
                        + Require.printable(component) + "' must be lowercase letters and digits, separated by"
                        + " '.', '_', '__' or dashes, and not empty");
            }
        }
    }

    /** {@code domain/repository}, without tag or digest: the name images are grouped by. */
    public String name() {
        return domain + "/" + repository;
    }

    /** What to ask the registry's manifests endpoint for: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** Whether the reference carries a tag (a digest-only reference does not). */
    public boolean hasTag() {
        return tag != null;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(name());
        if (tag != null) {
            out.append(':').append(tag);
        }
        if (digest != null) {
            out.append('@').append(digest);
        }
        return out.toString();
    }
}
