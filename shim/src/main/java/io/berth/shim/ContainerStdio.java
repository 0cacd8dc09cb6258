package io.berth.shim;

import io.berth.linux.ErrnoException;
import io.berth.linux.FileDescriptors;
import io.berth.shim.api.HeldContainer;
import io.berth.shim.api.StdioFds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
            stdinWriter = new StdinWriter(terminal);
        }
        pumps.add(LinePump.start(loop, master, CriLog.Stream.STDOUT, log, listener));
    }

    synchronized void stdinPipe(int writeEnd) {
        stdinFd = writeEnd;
        stdin = new SharedFd(writeEnd);
        stdinWriter = new StdinWriter(stdin);
    }

    /** Where attachers write; null when the container was created without stdin. */
    synchronized StdinWriter stdinWriter() {
        return stdinWriter;
    }

    synchronized int terminalFd() {
        return terminalFd;
    }

    /** Ends the container's stdin (EOF). With a terminal there is no separate stdin to close. */
    synchronized void closeStdin() {
        if (stdin != null && stdin != terminal) {
            stdin.close();
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

    /** Waits (bounded) until the pumps have logged everything the container wrote before it exited. */
    void awaitDrained(long seconds) {
        List<LinePump> all;
        synchronized (this) {
            all = List.copyOf(pumps);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (LinePump pump : all) {
            try {
                pump.awaitEnd(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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
                if (stdin != null) {
                    stdin.close();
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
