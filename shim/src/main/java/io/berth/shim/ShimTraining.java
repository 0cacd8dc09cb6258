package io.berth.shim;

import io.berth.linux.FileDescriptors;
import io.berth.linux.UnixSockets;
import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.HostInfoRequest;
import io.berth.shim.api.Mount;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.State;
import io.berth.shim.api.StateRequest;
import io.berth.shim.api.Status;
import io.berth.shim.protocol.MessageSocket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * Runs the code a shim host needs to serve a container, without a container: a host on a scratch socket
 * answering a request over the wire, the protocol messages, the CRI log writer, the exit file. Run at build
 * time so that the class-data archive holds these classes and a host maps them instead of loading them.
 */
final class ShimTraining {
    private ShimTraining() {}

    /** The build-time run: exercise, then exit so the JVM writes the archive. */
    static void exercise(Path scratch) {
        try {
            Files.createDirectories(scratch);
            deleteQuietly(scratch.resolve("host"));
            run(scratch);
        } catch (IOException | RuntimeException e) {
            System.err.println("shim training failed: " + e);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(Path scratch) throws IOException {
        ShimConfig config = ShimConfig.newBuilder().setId("train").setBundle(scratch.toString())
                .setRuntime("runc").addRootfs(Mount.newBuilder().setType("bind").setSource("/").addOptions("ro"))
                .setLogPath(scratch.resolve("train.log").toString()).setRunDir(scratch.toString()).build();
        ShimConfig.parseFrom(config.toByteArray());
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        Request.newBuilder().setState(StateRequest.getDefaultInstance()).build().writeDelimitedTo(wire);
        Request.parseDelimitedFrom(new ByteArrayInputStream(wire.toByteArray()));
        Response.newBuilder().setState(State.newBuilder().setId("train").setStatus(Status.STATUS_RUNNING))
                .build().toByteArray();
        CriLog log = CriLog.open(Path.of(config.getLogPath()));
        byte[] line = "warm-up line".getBytes(StandardCharsets.UTF_8);
        log.write(CriLog.Stream.STDOUT, false, line, line.length);
        log.close();
        RunDir runDir = new RunDir(scratch);
        ExitFile.write(runDir.exitFile(), ExitStatus.newBuilder().setExitCode(0).setReason("Completed").build());
        ExitFile.read(runDir.exitFile());
        serveOneRequest(scratch);
    }

    /** A host answers one host-info request on a socket of its own, as berthd's first call to it does. */
    private static void serveOneRequest(Path scratch) throws IOException {
        HostDir dir = new HostDir(scratch.resolve("host"));
        Files.createDirectories(dir.path());
        HostEvents events = new HostEvents();
        ShimHost host = new ShimHost(dir, "train", events);
        int listenFd = UnixSockets.listen(dir.socket(), 4);
        new HostServer(host, listenFd, events, new HostUpgrade(host)).start();
        int connection = UnixSockets.connect(dir.socket());
        try {
            MessageSocket.send(connection, Request.newBuilder()
                    .setHostInfo(HostInfoRequest.getDefaultInstance()).build(), new int[0]);
            MessageSocket.receive(connection, Response.parser());
        } finally {
            FileDescriptors.closeQuietly(connection);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp dir left behind is harmless.
        }
    }
}
