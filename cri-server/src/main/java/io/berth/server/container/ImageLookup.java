package io.berth.server.container;

/** Finds a pulled image by id, id prefix, tag or digest reference. */
@FunctionalInterface
public interface ImageLookup {
    /** @throws io.berth.common.error.NotFoundException when no such image is on the node */
    LocalImage find(String reference);
}
