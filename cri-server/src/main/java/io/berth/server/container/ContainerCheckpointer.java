package io.berth.server.container;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.linux.TreeDeleter;
import io.berth.snapshotter.Snapshotter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * CheckpointContainer (kubelet's forensic checkpointing): CRIU, through the container's OCI runtime, dumps the
 * running container without stopping it; the dump goes to the archive kubelet names, laid out as CRI-O and
 * containerd lay theirs out ({@code checkpoint/} with CRIU's images, {@code config.dump}, {@code spec.dump},
 * {@code rootfs-diff.tar}), so checkpointctl and restore tools can read it. When CRIU cannot dump here, the call
 * fails with CRIU's own error lines and leaves nothing behind; no archive is ever written for a failed dump.
 */
public final class ContainerCheckpointer {
    private static final Logger LOG = Logger.getLogger(ContainerCheckpointer.class.getName());
    /** kubelet's default for the checkpoint call; 0 in the request means this. */
    private static final long DEFAULT_TIMEOUT_SECONDS = 240;
    /** Error lines of CRIU's log put in the answer; the rest stays in the log berthd reports from. */
    private static final int MAX_ERROR_LINES = 8;
    private static final int MAX_LINE = 300;

    private final ContainerStore containers;
    private final ContainerCleaner cleaner;
    private final CheckpointArchive archive;

    /** {@code snapshotter} holds the containers' writable layers, which go into the archive as a diff. */
    public ContainerCheckpointer(ContainerStore containers, ContainerCleaner cleaner, Snapshotter snapshotter,
            Clock clock) {
        this.containers = containers;
        this.cleaner = cleaner;
        this.archive = new CheckpointArchive(snapshotter, clock);
    }

    public void checkpoint(String idOrPrefix, String location, long timeoutSeconds) throws Exception {
        ContainerStore.Container c = containers.resolve(Require.idOrPrefix(idOrPrefix, "container_id"));
        if (c.status().phase() != ContainerRunStatus.Phase.RUNNING) {
            throw new FailedPreconditionException("container " + c.id() + " is " + c.status().phase()
                    + "; only a running container can be checkpointed");
        }
        Path target = target(location);
        if (timeoutSeconds < 0) {
            throw new InvalidArgumentException("timeout must not be negative");
        }
        Path work = Files.createTempDirectory(c.metadata().runPath(), "checkpoint-");
        try {
            Path images = work.resolve(CheckpointArchive.IMAGES);
            Optional<String> failure = cleaner.runtimeFor(c.metadata()).checkpoint(c.id(), images, work,
                    timeoutSeconds == 0 ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds);
            if (failure.isPresent()) {
                throw new FailedPreconditionException("checkpoint of container " + c.id() + " failed in CRIU: "
                        + criuErrors(work.resolve("dump.log"), failure.get()));
            }
            archive.write(c, work, target);
            LOG.info("container " + c.id() + " checkpointed to " + target);
        } finally {
            TreeDeleter.delete(work);
        }
    }

    /** An absolute path whose directory exists; an existing file is not overwritten (kubelet names a new one). */
    private static Path target(String location) {
        Require.nonEmpty(location, "location");
        Path target = Path.of(location).normalize();
        if (!target.isAbsolute() || target.getParent() == null) {
            throw new InvalidArgumentException("location '" + Require.printable(location)
                    + "' must be an absolute path of the archive to write");
        }
        if (!Files.isDirectory(target.getParent())) {
            throw new InvalidArgumentException("location '" + Require.printable(location)
                    + "': its directory does not exist");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArgumentException("location '" + Require.printable(location) + "' already exists");
        }
        return target;
    }

    /** The "Error" lines of CRIU's dump log, else the runtime's own words: what a person needs to act on. */
    static String criuErrors(Path dumpLog, String runtimeOutput) {
        List<String> errors = List.of();
        try {
            if (Files.isRegularFile(dumpLog, LinkOption.NOFOLLOW_LINKS)) {
                errors = Files.readAllLines(dumpLog, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("Error (")).limit(MAX_ERROR_LINES)
                        .map(l -> l.length() > MAX_LINE ? l.substring(0, MAX_LINE) : l).toList();
            }
        } catch (IOException e) {
            throw new InternalException("cannot read CRIU's log " + dumpLog + ": " + e.getMessage(), e);
        }
        String runtime = runtimeOutput.length() > MAX_LINE ? runtimeOutput.substring(0, MAX_LINE) : runtimeOutput;
        return errors.isEmpty() ? runtime : String.join("; ", errors) + " (" + runtime + ")";
    }
}
