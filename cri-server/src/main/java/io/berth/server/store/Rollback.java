package io.berth.server.store;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Undo steps of a multi-step creation, run in reverse when the creation fails part way, so a failed
 * RunPodSandbox or CreateContainer leaves nothing behind. {@link #commit()} forgets them on success.
 */
public final class Rollback implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Rollback.class.getName());

    /** One undo step. */
    @FunctionalInterface
    public interface Step {
        void undo() throws Exception;
    }

    private final String what;
    private final Deque<Step> steps = new ArrayDeque<>();
    private boolean committed;

    public Rollback(String what) {
        this.what = what;
    }

    public void add(Step step) {
        steps.push(step);
    }

    public void commit() {
        committed = true;
        steps.clear();
    }

    /** Runs the undo steps, newest first, when the creation did not commit. Each step's failure is logged. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        while (!steps.isEmpty()) {
            try {
                steps.pop().undo();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "undoing part of " + what + " failed; something may be left behind", e);
            }
        }
    }
}
