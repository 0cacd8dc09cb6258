package io.berth.server.image.hosts;

/** What a registry host is trusted to do, as containerd's hosts.toml {@code capabilities} names it. */
public enum Capability {
    /** Fetch content by digest; safe from any mirror, because the digest is verified. */
    PULL,
    /** Turn a tag into a digest; a trusted operation, only for hosts that may decide what a tag means. */
    RESOLVE,
    PUSH;

    static Capability parse(String name) {
        return switch (name) {
            case "pull" -> PULL;
            case "resolve" -> RESOLVE;
            case "push" -> PUSH;
            default -> throw new IllegalArgumentException("unknown capability '" + name + "' (expected pull, resolve or push)");
        };
    }
}
