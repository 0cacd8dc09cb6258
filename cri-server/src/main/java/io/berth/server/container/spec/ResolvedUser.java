package io.berth.server.container.spec;

import java.util.List;

/**
 * The numeric identity of a container's first process.
 *
 * @param additionalGids the primary gid first, then the image's supplementary groups, then the requested ones
 */
public record ResolvedUser(long uid, long gid, List<Long> additionalGids) {
    public ResolvedUser {
        additionalGids = List.copyOf(additionalGids);
    }

    public static ResolvedUser root() {
        return new ResolvedUser(0, 0, List.of(0L));
    }
}
