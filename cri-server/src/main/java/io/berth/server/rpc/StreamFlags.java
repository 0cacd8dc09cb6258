package io.berth.server.rpc;

import io.berth.common.error.InvalidArgumentException;

/** The stream choices Exec and Attach share, checked as kubelet's streaming server checks them. */
final class StreamFlags {
    private StreamFlags() {}

    static void check(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        if (tty && stderr) {
            // A terminal has one output: stdout and stderr cannot be told apart.
            throw new InvalidArgumentException("tty and stderr cannot both be true");
        }
        if (!stdin && !stdout && !stderr) {
            throw new InvalidArgumentException("one of stdin, stdout, or stderr must be set");
        }
    }
}
