package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.Terminals;
import io.berth.shim.api.HeldContainer;
import io.berth.shim.api.StdioFds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ObjIntConsumer;

/**
 * The host's ends of one container's stdio: the read ends of its stdout and stderr pipes, or its terminal
 * master, pumped into the CRI log on the event loop; and the write end of its stdin pipe (or the master
 * again). berthd holds duplicates of the output ends, so a host's death neither closes the container's
 * terminal nor makes its next write fail with EPIPE, and what it writes meanwhile waits in the pipe for the
 * next host. Not of the stdin pipe: a duplicate there would keep the container from ever seeing the end of
 * its stdin when CloseStdin or stdin_once asks for it. A new program image takes all of them over at an
 * upgrade.
 */
final class ContainerStdio {
    private final List<LinePump> pumps = new ArrayList<>();
    private int stdoutFd = -1;
    private int stderrFd = -1;
    private int stdinFd = -1;
    private int terminalFd = -1;
    private SharedFd stdin;
    private SharedFd terminal;
    private StdinWriter stdinWriter;

    /** Pumps both output pipes into the log (they must be pumping before the runtime writes to them). */
    synchronized void pumpPipes(EventLoop loop, int out, int err, CriLog log, LinePump.OutputListener listener)
            throws ErrnoException {
        stdoutFd = out;
        stderrFd = err;
        if (out >= 0) {
            pumps.add(LinePump.start(loop, out, CriLog.Stream.STDOUT, log, listener));
        }
        if (err >= 0) {
            pumps.add(LinePump.start(loop, err, CriLog.Stream.STDERR, log, listener));
        }
    }

    /** Pumps the terminal master; with {@code asStdin} it is the container's stdin too. */
    synchronized void pumpTerminal(EventLoop loop, int master, boolean asStdin, CriLog log,
            LinePump.OutputListener listener) throws ErrnoException {
        terminalFd = master;
        terminal = new SharedFd(master);
        if (asStdin) {
            stdin = terminal;
            stdinWriter = new StdinWriter(loop, terminal);
        }
        pumps.add(LinePump.start(loop, master, CriLog.Stream.STDOUT, log, listener));
    }

    /** The write end of the container's stdin pipe, made non-blocking: attachers write to it on the loop. */
    synchronized void stdinPipe(EventLoop loop, int writeEnd) throws ErrnoException {
        FileDescriptors.setNonBlocking(writeEnd, true);
        stdinFd = writeEnd;
        stdin = new SharedFd(writeEnd);
        stdinWriter = new StdinWriter(loop, stdin);
    }

    /** Where attachers write, on the loop; null when the container was created without stdin. */
    synchronized StdinWriter stdinWriter() {
        return stdinWriter;
    }

    synchronized int terminalFd() {
        return terminalFd;
    }

    /** Ends the container's stdin (EOF). With a terminal there is no separate stdin to close. */
    synchronized void closeStdin() {
        if (stdin != null && stdin != terminal) {
            stdinWriter.close();
        }
    }

    /**
     * Sets the terminal's size; false without a terminal. Takes no lock a runtime command holds, so the
     * loop may call it for an attacher.
     */
    boolean resizeTerminal(int columns, int rows) throws ErrnoException {
        SharedFd tty;
        synchronized (this) {
            tty = terminal;
        }
        int fd = tty == null ? -1 : tty.acquire();
        if (fd < 0) {
            return false;
        }
        try {
            Terminals.setWindowSize(fd, new Terminals.WindowSize(rows, columns));
            return true;
        } finally {
            tty.release();
        }
    }

    /** The output descriptors to duplicate for berthd, in the order {@link #roles()} names them. */
    synchronized int[] fds() {
        List<Integer> fds = new ArrayList<>();
        forEach((role, fd) -> fds.add(fd));
        return fds.stream().mapToInt(Integer::intValue).toArray();
    }

    synchronized StdioFds roles() {
        StdioFds.Builder roles = StdioFds.newBuilder();
        forEach((role, fd) -> roles.addRoles(role));
        return roles.build();
    }

    private void forEach(ObjIntConsumer<StdioFds.Role> action) {
        if (terminalFd >= 0) {
            action.accept(StdioFds.Role.TERMINAL, terminalFd);
        }
        if (stdoutFd >= 0) {
            action.accept(StdioFds.Role.STDOUT, stdoutFd);
        }
        if (stderrFd >= 0) {
            action.accept(StdioFds.Role.STDERR, stderrFd);
        }
    }

    /**
     * Completes once the pumps have logged everything the container wrote before it exited, or after {@code
     * millis} whatever is left: a process outside the container's pid namespace may hold the pipes open for ever.
     * Nothing waits meanwhile; it completes on the loop thread.
     */
    CompletableFuture<Void> drained(EventLoop loop, long millis) {
        CompletableFuture<?>[] ends;
        synchronized (this) {
            ends = pumps.stream().map(LinePump::ended).toArray(CompletableFuture[]::new);
        }
        CompletableFuture<Void> drained = CompletableFuture.allOf(ends);
        loop.execute(() -> loop.schedule(millis, () -> drained.complete(null)));
        return drained;
    }

    /**
     * Stops the pumps and lets the descriptors survive an exec, recording their numbers. On the loop
     * thread: the pumps' partial lines are flushed there.
     */
    synchronized void hold(HeldContainer.Builder held) throws ErrnoException {
        pumps.forEach(LinePump::stop);
        held.setStdoutFd(stdoutFd).setStderrFd(stderrFd).setTerminalFd(terminalFd)
                .setStdinFd(stdinFd >= 0 && !stdin.isClosing() ? stdinFd : -1);
        for (int fd : new int[] {stdoutFd, stderrFd, stdinFd, terminalFd}) {
            if (fd >= 0) {
                FileDescriptors.setCloseOnExec(fd, false);
            }
        }
    }

    /**
     * Releases every descriptor (the container is deleted); a terminal closes once no attacher writes.
     * Pumps leave the loop first: berthd's duplicates keep the pipes alive, and epoll would go on
     * reporting a closed number whose pipe lives on.
     */
    CompletableFuture<Void> close(EventLoop loop) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        loop.execute(() -> {
            synchronized (this) {
                pumps.forEach(LinePump::stop);
                if (stdinWriter != null) {
                    stdinWriter.close();
                }
                if (terminal != null) {
                    terminal.close();
                }
                FileDescriptors.closeQuietly(stdoutFd);
                FileDescriptors.closeQuietly(stderrFd);
            }
            closed.complete(null);
        });
        return closed;
    }
}
