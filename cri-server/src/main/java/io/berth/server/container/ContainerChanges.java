package io.berth.server.container;

/**
 * Told of each lifecycle step of a container record (created, started, stopped, deleted), for the CRI event
 * stream. The store calls it while still holding its lock, right after the change is persisted, so a listener
 * sees the steps of one container in the order they happened and the store already shows the new state.
 * Implementations must not block and must not call back into the store's writers.
 */
@FunctionalInterface
public interface ContainerChanges {
    ContainerChanges NONE = (step, container, store) -> { };

    /** The four CRI container event types, in the order one container goes through them. */
    enum Step {
        CREATED,
        STARTED,
        STOPPED,
        DELETED
    }

    /**
     * {@code container} is the record after the change; for DELETED, the last record before removal. {@code store}
     * is the store it changed in, to read (never to write): the listener exists before the store does, so it is
     * handed over here rather than held.
     */
    void changed(Step step, ContainerStore.Container container, ContainerStore store);
}
