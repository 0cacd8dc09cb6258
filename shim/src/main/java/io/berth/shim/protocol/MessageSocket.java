package io.berth.shim.protocol;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Length-delimited protobuf messages (varint length, then the message) on a raw unix socket descriptor,
 * with descriptors beside them (SCM_RIGHTS). A read takes exactly one message and no byte more, because
 * after some answers (stream_ready) the same connection goes on with stdio frames. Both ends bound what
 * they accept: the other side may be anything that can connect.
 */
public final class MessageSocket {
    /** The largest message either side accepts: a config with its mounts, an exec's argv and env. */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** The most descriptors one message may carry: a container's stdio. */
    public static final int MAX_FDS = 4;

    private MessageSocket() {}

    /** A message and the descriptors that came with it (the receiver owns and must close them). */
    public record Received<T>(T message, int[] fds) {}

    /** Sends one message with {@code fds} beside its first byte. */
    public static void send(int socket, MessageLite message, int[] fds) throws IOException {
        int size = message.getSerializedSize();
        ByteBuffer buffer = ByteBuffer.allocateDirect(CodedOutputStream.computeUInt32SizeNoTag(size) + size);
        CodedOutputStream out = CodedOutputStream.newInstance(buffer);
        out.writeUInt32NoTag(size);
        message.writeTo(out);
        out.flush();
        buffer.flip();
        UnixSockets.send(socket, buffer, fds);
    }

    /** Receives one message, or null at end of stream before its first byte. */
    public static <T> Received<T> receive(int socket, Parser<T> parser) throws IOException {
        List<Integer> fds = new ArrayList<>();
        try {
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            int size = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift >= 32) {
                    throw new InvalidProtocolBufferException("message length is not a 32-bit varint");
                }
                UnixSockets.Received r = UnixSockets.receive(socket, one, MAX_FDS - fds.size());
                for (int fd : r.fds()) {
                    fds.add(fd);
                }
                if (r.bytes() == 0) {
                    if (shift == 0) {
                        closeAll(fds);
                        return null;
                    }
                    throw new EOFException("the connection ended inside a message length");
                }
                byte b = one.get(0);
                size |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (size < 0 || size > MAX_MESSAGE_BYTES) {
                throw new InvalidProtocolBufferException("message of " + (size & 0xffffffffL) + " bytes (at most "
                        + MAX_MESSAGE_BYTES + ")");
            }
            ByteBuffer body = ByteBuffer.allocateDirect(Math.max(size, 1)).limit(size);
            byte[] bytes = new byte[size];
            int read = 0;
            while (read < size) {
                ByteBuffer rest = body.duplicate().position(read).slice();
                UnixSockets.Received r = UnixSockets.receive(socket, rest, MAX_FDS - fds.size());
                for (int fd : r.fds()) {
                    fds.add(fd);
                }
                if (r.bytes() == 0) {
                    throw new EOFException("the connection ended inside a message");
                }
                read += r.bytes();
            }
            body.get(0, bytes);
            T message = parser.parseFrom(bytes);
            return new Received<>(message, fds.stream().mapToInt(Integer::intValue).toArray());
        } catch (IOException | RuntimeException e) {
            closeAll(fds);
            throw e;
        }
    }

    private static void closeAll(List<Integer> fds) {
        fds.forEach(FileDescriptors::closeQuietly);
    }

    /** Closes descriptors that came beside a message and are not wanted. */
    public static void closeAll(int[] fds) {
        for (int fd : fds) {
            FileDescriptors.closeQuietly(fd);
        }
    }
}
