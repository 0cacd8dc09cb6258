package io.berth.shim;

import io.berth.shim.api.ExitStatus;
import io.berth.shim.api.Mount;
import io.berth.shim.api.Request;
import io.berth.shim.api.Response;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.State;
import io.berth.shim.api.StateRequest;
import io.berth.shim.api.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the code a shim needs to create a container, without a container: the protocol messages, the
 * CRI log writer, the exit file. Used twice: at build time so the class-data archive holds these classes,
 * and by a spare shim so its first real create runs on loaded, linked code.
 */
final class ShimTraining {
    private ShimTraining() {}

    /** The build-time run: exercise, then exit so the JVM writes the archive. */
    static void exercise(Path scratch) {
        try {
            Files.createDirectories(scratch);
            run(scratch);
        } catch (IOException | RuntimeException e) {
            System.err.println("shim training failed: " + e);
            System.exit(1);
        }
        System.exit(0);
    }

    /** The spare's warm-up, in a throwaway dir. */
    static void warmUp() {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("berth-shim-warm");
            run(scratch);
        } catch (IOException | RuntimeException e) {
            ShimLog.info("warm-up skipped: " + e.getMessage());
        } finally {
            deleteQuietly(scratch);
        }
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
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp dir left behind is harmless.
        }
    }
}
