package io.berth.server.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.InternalException;
import io.berth.common.json.Mappers;
import io.berth.snapshotter.Mount;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The checkpoint archive kubelet receives, in the layout CRI-O and containerd write and checkpointctl reads: an
 * uncompressed tar holding {@code checkpoint/} (CRIU's images), {@code config.dump} (who the container was),
 * {@code spec.dump} (its OCI spec) and {@code rootfs-diff.tar} (what it changed in its writable layer). The archive
 * appears under its name only once complete.
 */
final class CheckpointArchive {
    static final String IMAGES = "checkpoint";
    private static final long TAR_TIMEOUT_SECONDS = 600;

    private final Snapshotter snapshotter;
    private final Clock clock;

    CheckpointArchive(Snapshotter snapshotter, Clock clock) {
        this.snapshotter = snapshotter;
        this.clock = clock;
    }

    /** {@code work} holds CRIU's images under {@link #IMAGES}; the archive of it all is written to {@code target}. */
    void write(ContainerStore.Container c, Path work, Path target) throws IOException {
        StoredContainerMetadata m = c.metadata();
        Files.write(work.resolve("config.dump"), configDump(c));
        Files.copy(m.runPath().resolve("bundle/config.json"), work.resolve("spec.dump"));
        Optional<String> upper = upperDir(m.snapshotKey());
        if (upper.isPresent()) {
            tar(Path.of(upper.get()), work.resolve("rootfs-diff.tar"));
        }
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            tar(work, partial);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** checkpointctl's container config: the fields it shows and a restore needs to find the image again. */
    private byte[] configDump(ContainerStore.Container c) throws IOException {
        StoredContainerMetadata m = c.metadata();
        ObjectNode out = Mappers.plain().createObjectNode();
        out.put("id", c.id());
        out.put("name", m.config().getMetadata().getName());
        out.put("rootfsImage", m.config().getImage().getImage());
        out.put("rootfsImageRef", m.imageId());
        out.put("rootfsImageName", m.imageRef());
        out.put("runtime", m.runtimeHandler());
        out.put("createdTime", Instant.ofEpochSecond(0, m.createdAtNanos()).toString());
        out.put("checkpointedTime", clock.instant().toString());
        out.put("restoredTime", Instant.EPOCH.toString());
        out.put("restored", false);
        return Mappers.plain().writerWithDefaultPrettyPrinter().writeValueAsBytes(out);
    }

    /** The overlay upper dir of the container's writable layer: exactly what the container changed. */
    private Optional<String> upperDir(String snapshotKey) {
        for (Mount mount : snapshotter.mounts(snapshotKey)) {
            for (String option : mount.options()) {
                if (option.startsWith("upperdir=")) {
                    return Optional.of(option.substring("upperdir=".length()));
                }
            }
        }
        // A native snapshot is a whole copy, not a diff; without a diff the archive carries no rootfs-diff.tar.
        return Optional.empty();
    }

    /** GNU tar keeps owners, modes, xattrs and overlay's whiteout devices as CRI-O's archives do. */
    private static void tar(Path dir, Path out) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("tar", "--numeric-owner", "--xattrs", "--acls", "-C",
                dir.toString(), "-cf", out.toString(), "."));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] output = p.getInputStream().readNBytes(16 * 1024);
            if (!p.waitFor(TAR_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new InternalException("tar of " + dir + " did not finish within " + TAR_TIMEOUT_SECONDS + "s");
            }
            if (p.exitValue() != 0) {
                throw new InternalException("tar of " + dir + " failed: " + new String(output, StandardCharsets.UTF_8)
                        .trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted writing " + out, e);
        }
    }
}
