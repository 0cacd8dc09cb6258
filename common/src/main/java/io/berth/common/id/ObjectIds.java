package io.berth.common.id;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Ids of sandboxes and containers: 64 lowercase hex digits from 32 random bytes, as containerd and CRI-O
 * hand out. Random rather than sequential, so an id says nothing about its neighbours and no two daemons
 * sharing a state dir (or one restarted) can repeat one.
 */
public final class ObjectIds {
    private static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ObjectIds() {}

    public static String random() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
