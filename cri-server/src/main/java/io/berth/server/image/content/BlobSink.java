package io.berth.server.image.content;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a {@link BlobSource} writes a blob's bytes. {@link #restart()} drops what was written so far, so
 * that a source can switch to another mirror after a failure without giving up the shared in-flight write.
 */
public abstract class BlobSink extends OutputStream {
    /** Forgets everything written so far; the next byte written is the blob's first. */
    public abstract void restart() throws IOException;

    /**
     * Throws {@link BlobVerificationException} unless the bytes written so far are exactly the blob. The
     * store checks this again before committing; a source calls it to know whether to try another origin.
     */
    public abstract void verify();

    /** Bytes written since the start (or the last restart). */
    public abstract long written();
}
