package io.berth.e2e.streaming;

/** Which streams an Exec or Attach asks for, as in the CRI request (a TTY merges stderr into stdout). */
record Streams(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
    static final Streams OUT_ERR = new Streams(false, false, true, true);
    static final Streams IN_OUT_ERR = new Streams(false, true, true, true);
    static final Streams OUT = new Streams(false, false, true, false);
    static final Streams TTY_IN_OUT = new Streams(true, true, true, false);
    static final Streams TTY_OUT = new Streams(true, false, true, false);
}
