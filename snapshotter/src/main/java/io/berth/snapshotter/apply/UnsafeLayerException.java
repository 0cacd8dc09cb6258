package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;

/**
 * A layer entry that would write, link or delete outside the snapshot it is applied to. The layer is
 * refused as a whole; the message names the entry so that whoever built the image can find it.
 */
public class UnsafeLayerException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsafeLayerException(String entry, String why) {
        super("unsafe layer entry '" + Require.printable(entry) + "': " + why);
    }
}
