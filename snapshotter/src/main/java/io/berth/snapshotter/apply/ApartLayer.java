package io.berth.snapshotter.apply;

import java.nio.file.Path;
import java.util.List;

/**
 * A layer applied into its own dir, apart from the layers below it, and what must be checked against them
 * before it may go on top of them.
 *
 * @param dirs every dir the layer made, relative to its root, parents before children
 * @param implied the dirs among them that the layer implies without an entry of their own
 */
public record ApartLayer(AppliedLayer applied, List<Path> dirs, List<Path> implied) {
    public ApartLayer {
        dirs = List.copyOf(dirs);
        implied = List.copyOf(implied);
    }
}
