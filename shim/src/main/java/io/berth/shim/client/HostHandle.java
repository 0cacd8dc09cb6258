package io.berth.shim.client;

import io.berth.common.error.UnavailableException;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.HostDir;
import io.berth.shim.RunDir;
import io.berth.shim.api.Event;
import io.berth.shim.api.EventsRequest;
import io.berth.shim.api.HostInfo;
import io.berth.shim.api.HostInfoRequest;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.StdioFds;
import io.berth.shim.protocol.MessageSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * berthd's side of one live shim host: its dir and pid, the one connection on which it pushes exits, and
 * the duplicates of its containers' output descriptors that berthd keeps so that the host's death closes
 * none of them.
 */
final class HostHandle {
    /** Duplicates of one container's output ends, as the host sent them. */
    record HeldStdio(StdioFds roles, int[] fds) {
        void close() {
            MessageSocket.closeAll(fds);
        }
    }

    private final HostDir dir;
    private final String group;
    private final int pid;
    /** When the process started: a pid reused by another process has another start time. */
    private final Optional<Instant> started;
    private final Map<String, HeldStdio> held = new ConcurrentHashMap<>();
    private volatile int events = -1;
    private volatile boolean closed;

    HostHandle(HostDir dir, String group, int pid) {
        this.dir = dir;
        this.group = group;
        this.pid = pid;
        this.started = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant());
    }

    HostDir dir() {
        return dir;
    }

    String group() {
        return group;
    }

    int pid() {
        return pid;
    }

    /**
     * Whether the host process lives. Not from its command line, which reads empty for a moment while the
     * host execs itself at an upgrade: from the process and its start time, which an exec keeps.
     */
    boolean isAlive() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> started.isEmpty() || p.info().startInstant().equals(started)).orElse(false);
    }

    /** The held stdio of every container this host carries, by run dir. */
    Map<String, HeldStdio> held() {
        return held;
    }

    void hold(Path runDir, HeldStdio stdio) {
        HeldStdio before = held.put(runDir.toString(), stdio);
        if (before != null) {
            before.close();
        }
    }

    void release(Path runDir) {
        HeldStdio stdio = held.remove(runDir.toString());
        if (stdio != null) {
            stdio.close();
        }
    }

    ShimClient client(Path runDir) {
        return new ShimClient(dir, new RunDir(runDir), pid);
    }

    /** Asks the host who it is; throws {@link UnavailableException} when it does not answer. */
    HostInfo info() {
        try {
            int connection = UnixSockets.connect(dir.socket());
            try {
                MessageSocket.send(connection, Request.newBuilder().setHostInfo(HostInfoRequest.getDefaultInstance())
                        .build(), new int[0]);
                MessageSocket.Received<Response> answer = MessageSocket.receive(connection, Response.parser());
                if (answer == null || !answer.message().hasHostInfo()) {
                    throw new IOException("no host info in the answer");
                }
                MessageSocket.closeAll(answer.fds());
                return answer.message().getHostInfo();
            } finally {
                FileDescriptors.closeQuietly(connection);
            }
        } catch (IOException e) {
            throw new UnavailableException("shim host " + dir.path() + " does not answer: " + e.getMessage(), e);
        }
    }

    /**
     * Subscribes to the host's exits on a thread of this host's (the one berthd thread per host, not per
     * container); {@code onEnd} runs when the stream ends: the host died, or re-executed itself.
     */
    void subscribe(Consumer<Event> onExit, Runnable onEnd) throws IOException {
        int connection = UnixSockets.connect(dir.socket());
        MessageSocket.send(connection, Request.newBuilder().setEvents(EventsRequest.getDefaultInstance()).build(),
                new int[0]);
        events = connection;
        Thread reader = new Thread(null, () -> {
            try {
                MessageSocket.Received<Event> event;
                while ((event = MessageSocket.receive(connection, Event.parser())) != null) {
                    MessageSocket.closeAll(event.fds());
                    if (event.message().getRunDir().isEmpty()) {
                        // Not an exit: the host refused the subscription (its answer read as an event), and
                        // closes the stream after it.
                        continue;
                    }
                    onExit.accept(event.message());
                }
            } catch (IOException | RuntimeException e) {
                // The stream broke: the same as its end.
            } finally {
                FileDescriptors.closeQuietly(connection);
                if (!closed) {
                    onEnd.run();
                }
            }
        }, "shim-host-events-" + group, 256 * 1024);
        reader.setDaemon(true);
        reader.start();
    }

    /** berthd stops: the subscription ends; the host and the held descriptors' pipes live on in the host. */
    void close() {
        closed = true;
        int connection = events;
        if (connection >= 0) {
            UnixSockets.shutdown(connection);
        }
        held.values().forEach(HeldStdio::close);
        held.clear();
    }
}
