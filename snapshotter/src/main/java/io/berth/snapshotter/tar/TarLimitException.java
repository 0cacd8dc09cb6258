package io.berth.snapshotter.tar;

import io.berth.common.error.InvalidArgumentException;

/**
 * A tar stream beyond one of its {@link TarLimits}. INVALID_ARGUMENT as it is: the input, not berthd, is at
 * fault. A caller whose bounds are settings rethrows it naming the setting to raise.
 */
public class TarLimitException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;
    private final TarLimits.Bound bound;
    private final long limit;

    public TarLimitException(TarLimits.Bound bound, long limit, String message) {
        super(message);
        this.bound = bound;
        this.limit = limit;
    }

    public TarLimits.Bound bound() {
        return bound;
    }

    /** The value of the bound that was passed. */
    public long limit() {
        return limit;
    }
}
