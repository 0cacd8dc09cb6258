package io.berth.server.image.store;

import io.berth.server.image.content.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Chain ids as the OCI image spec defines them: the first layer's chain id is its diffID, every later one
 * is {@code sha256(parentChainId + " " + diffId)}. A chain id names one stack of layers whatever image it
 * came from, so it is the key of that stack's committed snapshot and two images share snapshots exactly
 * where they share a prefix of layers.
 */
public final class ChainIds {
    private ChainIds() {}

    /** One chain id per layer, bottom first. */
    public static List<String> of(List<String> diffIds) {
        List<String> chain = new ArrayList<>(diffIds.size());
        String parent = null;
        for (String diffId : diffIds) {
            parent = parent == null ? diffId
                    : Digest.sha256Of((parent + " " + diffId).getBytes(StandardCharsets.UTF_8)).toString();
            chain.add(parent);
        }
        return chain;
    }
}
