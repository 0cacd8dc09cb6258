package io.berth.server.failpoint;

import io.berth.linux.ErrnoException;
import io.berth.linux.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The crash points of berthd, test-only: places between two durable steps of an RPC where a berthd killed with
 * {@code -9} leaves the host half-way, so that the e2e suite can prove recovery finishes or undoes each one. A point
 * is armed only by a JVM system property, which tests pass through the launcher's {@code BERTH_JAVA_OPTS}: {@value
 * #PROPERTY}{@code =<id>} arms that point for the life of the JVM; {@value #FILE_PROPERTY}{@code =<path>} arms the
 * point whose id the file holds when the point is reached, so that one berthd can be armed again and again without
 * a restart. Neither is a config key or an RPC, so no operator arms one by accident. Unarmed, {@link #reach()} is
 * two comparisons.
 *
 * <p>An armed point kills berthd with SIGKILL the first time it is reached: no shutdown hook, no rollback, no
 * finally block runs, exactly as after {@code kill -9} or the OOM killer.
 */
public enum FailPoint {
    /** RunPodSandbox: state dir, pinned namespaces, /dev/shm and /etc files made; no network, no record. */
    RUN_POD_SANDBOX_AFTER_NAMESPACES("run-pod-sandbox.after-namespaces"),
    /** RunPodSandbox: the network is up (veth, address, rules); no pod init, no record. */
    RUN_POD_SANDBOX_AFTER_NETWORK("run-pod-sandbox.after-network"),
    /** RunPodSandbox: everything made, the pod init running; the record not written. */
    RUN_POD_SANDBOX_BEFORE_RECORD("run-pod-sandbox.before-record"),
    /** CreateContainer: run dir, writable snapshot and bundle made; no shim, no runtime container, no record. */
    CREATE_CONTAINER_AFTER_BUNDLE("create-container.after-bundle"),
    /** CreateContainer: the shim ran {@code runc create} (the init waits in its cgroup); the record not written. */
    CREATE_CONTAINER_AFTER_RUNTIME_CREATE("create-container.after-runtime-create"),
    /** StartContainer: the process runs; the record still says CREATED. */
    START_CONTAINER_AFTER_RUNTIME_START("start-container.after-runtime-start"),
    /** StopContainer: the stop signal sent; the grace period and SIGKILL not reached. */
    STOP_CONTAINER_AFTER_SIGNAL("stop-container.after-signal"),
    /** RemoveContainer (and RemovePodSandbox's): runtime state, mounts, snapshot and run dir gone; record kept. */
    REMOVE_CONTAINER_AFTER_CLEANUP("remove-container.after-cleanup"),
    /** RemovePodSandbox: the pod stopped (containers killed, network and namespaces released); nothing removed. */
    REMOVE_POD_SANDBOX_AFTER_STOP("remove-pod-sandbox.after-stop"),
    /** RemovePodSandbox: containers and the state dir removed; the sandbox record stays. */
    REMOVE_POD_SANDBOX_BEFORE_RECORD("remove-pod-sandbox.before-record"),
    /** PullImage: a blob written and synced in the ingest dir, not yet moved under its digest. */
    PULL_IMAGE_AFTER_BLOB_WRITE("pull-image.after-blob-write"),
    /** PullImage: every blob and layer snapshot committed; the image record not written. */
    PULL_IMAGE_BEFORE_RECORD("pull-image.before-record");

    /** The JVM system property that arms a point, by its {@link #id()}. Test-only. */
    public static final String PROPERTY = "berth.test.failpoint";
    /** The JVM system property naming a file that holds the id of the armed point, read at each reach. Test-only. */
    public static final String FILE_PROPERTY = "berth.test.failpoint.file";

    /** The point this JVM dies at, read once; the property is checked by {@link #armed()} at start. */
    private static final FailPoint ARMED = parseQuietly(System.getProperty(PROPERTY));
    private static final Path ARMING_FILE = Optional.ofNullable(System.getProperty(FILE_PROPERTY))
            .filter(f -> !f.isEmpty()).map(Path::of).orElse(null);

    private final String id;

    FailPoint(String id) {
        this.id = id;
    }

    /** The name a test arms it by: the RPC, a dot, the step ({@code run-pod-sandbox.after-namespaces}). */
    public String id() {
        return id;
    }

    /** Dies here if this is the armed point; otherwise returns at once. */
    public void reach() {
        if (ARMED == this || ARMING_FILE != null && id.equals(idInArmingFile())) {
            die();
        }
    }

    private static String idInArmingFile() {
        try {
            return Files.readString(ARMING_FILE, StandardCharsets.UTF_8).trim();
        } catch (IOException noneArmed) {
            return "";
        }
    }

    /**
     * The armed point, if any. An unknown name is refused with the list of known ones, so a test that misspells a
     * point fails at berthd's start instead of passing without a crash.
     */
    public static Optional<FailPoint> armed() {
        String id = System.getProperty(PROPERTY);
        return id == null || id.isEmpty() ? Optional.empty() : Optional.of(parse(id));
    }

    /** The file that arms points while berthd runs, if {@value #FILE_PROPERTY} names one. */
    public static Optional<Path> armingFile() {
        return Optional.ofNullable(ARMING_FILE);
    }

    /** The point named {@code id}; IllegalArgumentException naming every known point otherwise. */
    public static FailPoint parse(String id) {
        for (FailPoint p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown fail point '" + id + "' in -D" + PROPERTY + "; known: "
                + Arrays.stream(values()).map(FailPoint::id).collect(Collectors.joining(", ")));
    }

    private static FailPoint parseQuietly(String id) {
        try {
            return id == null || id.isEmpty() ? null : parse(id);
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    private void die() {
        // Straight to stderr, not through logging: its handler may buffer, and nothing runs after the signal.
        System.err.println("berthd: fail point " + id() + " reached (a test-only crash point); SIGKILL to self");
        System.err.flush();
        try {
            Posix.kill(Posix.pid(), Posix.SIGKILL);
        } catch (ErrnoException e) {
            // Not expected; halt still skips every shutdown hook and finally block.
        }
        Runtime.getRuntime().halt(128 + Posix.SIGKILL);
    }
}
