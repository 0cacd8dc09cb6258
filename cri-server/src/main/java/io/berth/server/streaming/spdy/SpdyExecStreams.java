package io.berth.server.streaming.spdy;

import io.berth.server.streaming.StreamRequest;
import io.berth.server.streaming.StreamingContext;
import io.berth.server.streaming.exec.ExecOutput;
import io.berth.server.streaming.exec.ExitStatus;
import io.berth.server.streaming.exec.StreamSession;
import io.berth.server.streaming.http.Protocols;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Exec and attach over SPDY: the client opens one stream per {@code streamType} (error, stdin, stdout,
 * stderr, resize); once every stream the request implies is there, the process starts. Like kubelet, the
 * client has the stream creation timeout to open them.
 */
final class SpdyExecStreams implements SpdyStreams, ExecOutput {
    static final int MAX_STREAMS = 16;
    private static final Logger LOG = Logger.getLogger(SpdyExecStreams.class.getName());

    private final StreamRequest request;
    private final String protocol;
    private final StreamingContext context;
    private final int expected;
    private SpdyConnection connection;
    private StreamSession session;
    private ScheduledFuture<?> creationTimeout;
    private int received;
    private volatile int errorId;
    private volatile int stdinId;
    private volatile int stdoutId;
    private volatile int stderrId;
    private volatile int resizeId;

    SpdyExecStreams(StreamRequest request, String protocol, StreamingContext context) {
        this.request = request;
        this.protocol = protocol;
        this.context = context;
        this.expected = 1 + (stdin() ? 1 : 0) + (stdout() ? 1 : 0) + (stderr() ? 1 : 0)
                + (tty() && Protocols.spdyHasResize(protocol) ? 1 : 0);
    }

    @Override
    public void start(SpdyConnection conn) {
        this.connection = conn;
        this.session = new StreamSession(request, context.backend(), this, context.pool());
        creationTimeout = conn.channel().eventLoop().schedule(() -> {
            LOG.fine("timed out waiting for client to create streams");
            conn.close();
        }, context.config().streamCreationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean opened(int id, SpdyHeaders headers) {
        String type = headers.getAsString("streamType");
        if (type == null) {
            return false;
        }
        boolean counted;
        switch (type) {
            case "error" -> counted = errorId == 0 && (errorId = id) > 0;
            case "stdin" -> counted = stdin() && stdinId == 0 && (stdinId = id) > 0;
            case "stdout" -> counted = stdout() && stdoutId == 0 && (stdoutId = id) > 0;
            case "stderr" -> counted = stderr() && stderrId == 0 && (stderrId = id) > 0;
            case "resize" -> counted = tty() && Protocols.spdyHasResize(protocol) && resizeId == 0
                    && (resizeId = id) > 0;
            default -> counted = false;
        }
        if (!counted) {
            return false;
        }
        if (++received == expected) {
            creationTimeout.cancel(false);
            session.start();
        }
        return true;
    }

    @Override
    public void data(int id, ByteBuf data) {
        if (id == stdinId) {
            session.stdin(data);
        } else if (id == resizeId) {
            session.resize(data);
        } else {
            data.release();
        }
    }

    @Override
    public void remoteFinished(int id) {
        if (id == stdinId) {
            session.stdinEnd();
        }
    }

    @Override
    public void reset(int id) {
        remoteFinished(id);
    }

    @Override
    public void writabilityChanged() {
        session.writabilityChanged();
    }

    @Override
    public void closed() {
        if (creationTimeout != null) {
            creationTimeout.cancel(false);
        }
        session.connectionClosed();
    }

    @Override
    public Channel channel() {
        return connection.channel();
    }

    @Override
    public void stdout(byte[] data) {
        if (stdoutId != 0) {
            connection.send(stdoutId, Unpooled.wrappedBuffer(data));
        }
    }

    @Override
    public void stderr(byte[] data) {
        if (stderrId != 0) {
            connection.send(stderrId, Unpooled.wrappedBuffer(data));
        }
    }

    @Override
    public void finish(ExitStatus status) {
        String payload = Protocols.statusAsJson(protocol) ? status.json() : status.text();
        if (!payload.isEmpty() && errorId != 0) {
            connection.send(errorId, Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
        }
        for (int id : new int[] {stdoutId, stderrId, errorId}) {
            if (id != 0) {
                connection.finish(id);
            }
        }
        connection.goAwayAndClose();
    }

    private boolean stdin() {
        return request instanceof StreamRequest.Exec e ? e.stdin() : ((StreamRequest.Attach) request).stdin();
    }

    private boolean stdout() {
        return request instanceof StreamRequest.Exec e ? e.stdout() : ((StreamRequest.Attach) request).stdout();
    }

    private boolean stderr() {
        return request instanceof StreamRequest.Exec e ? e.stderr() : ((StreamRequest.Attach) request).stderr();
    }

    private boolean tty() {
        return request instanceof StreamRequest.Exec e ? e.tty() : ((StreamRequest.Attach) request).tty();
    }
}
