package io.berth.server.store;

import io.berth.common.error.AlreadyExistsException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Unique names → ids. Reserving a name before the (slow) creation starts is what stops two concurrent
 * requests for one pod or container from both succeeding.
 */
public final class NameIndex {
    private final String kind;
    private final ConcurrentMap<String, String> ids = new ConcurrentHashMap<>();

    public NameIndex(String kind) {
        this.kind = kind;
    }

    /** Claims {@code name} for {@code id}; fails naming the holder when another id has it. */
    public void reserve(String name, String id) {
        String holder = ids.putIfAbsent(name, id);
        if (holder != null && !holder.equals(id)) {
            throw new AlreadyExistsException(kind + " name " + name + " is reserved for " + holder
                    + "; remove that " + kind + " first");
        }
    }

    public Optional<String> idOf(String name) {
        return Optional.ofNullable(ids.get(name));
    }

    /** Frees the name if {@code id} holds it. */
    public void release(String name, String id) {
        ids.remove(name, id);
    }
}
