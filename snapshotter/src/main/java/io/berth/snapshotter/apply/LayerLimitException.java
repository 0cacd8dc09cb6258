package io.berth.snapshotter.apply;

import io.berth.common.error.InvalidArgumentException;

/**
 * A layer beyond one of its {@link LayerLimits}. The pull fails (INVALID_ARGUMENT: the image, not berthd,
 * is at fault); the message names the bound's config key so that an operator with a real layer that large
 * knows what to raise.
 */
public class LayerLimitException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;
    private final String bound;

    public LayerLimitException(String bound, long limit, String what) {
        super("layer exceeds image." + bound + " = " + limit + ": " + what);
        this.bound = bound;
    }

    /** @param cause the reader's own refusal, which this names the setting of */
    public LayerLimitException(String bound, long limit, String what, Throwable cause) {
        super("layer exceeds image." + bound + " = " + limit + ": " + what, cause);
        this.bound = bound;
    }

    /** The config key of the bound, one of the names in {@link LayerLimits}. */
    public String bound() {
        return bound;
    }
}
