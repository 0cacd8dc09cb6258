package io.berth.snapshotter.apply;

/**
 * A layer built apart from the layers below it did something whose meaning depends on them (a whiteout, a
 * hardlink to their file, a dir where they have a non-directory). Not a fault of the layer: the caller drops
 * what was built and applies the layer again onto its parent.
 */
public final class NeedsLowerLayersException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NeedsLowerLayersException(String why) {
        super("the layer needs the layers below it: " + why, null, false, false);
    }
}
