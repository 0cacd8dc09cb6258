package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates namespaces that outlive any process: a fresh platform thread unshares, a bind mount of its
 * {@code /proc/self/task/<tid>/ns/<type>} onto a file pins the namespace, and the thread is then thrown
 * away, so no JVM thread that runs other work ever lives in a pod's namespace.
 */
public final class Namespaces {
    /** The namespace kinds berth pins for a pod, with their clone flag and /proc name. */
    public enum Kind {
        NET(0x40000000, "net"),
        IPC(0x08000000, "ipc"),
        UTS(0x04000000, "uts");

        final int cloneFlag;
        final String procName;

        Kind(int cloneFlag, String procName) {
            this.cloneFlag = cloneFlag;
            this.procName = procName;
        }
    }

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    /** statfs(2)'s f_type for nsfs (linux/magic.h). */
    private static final long NSFS_MAGIC = 0x6e736673L;
    /** sizeof(struct statfs) is 120 on x86_64 and aarch64; room to spare. */
    private static final int STATFS_SIZE = 256;

    private Namespaces() {}

    /**
     * Creates a new namespace of {@code kind} and pins it at {@code target} (created as an empty file).
     * For UTS, {@code hostname} (may be null) is set inside the new namespace before pinning.
     */
    public static void createPinned(Kind kind, Path target, String hostname) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(target);
        }
        try {
            onThrowawayThread(() -> {
                try {
                    NamespaceCalls.unshare(kind.cloneFlag);
                } catch (LastErrorException e) {
                    throw new ErrnoException("unshare(" + kind.procName + ")", e.getErrorCode());
                }
                if (kind == Kind.UTS && hostname != null) {
                    byte[] name = hostname.getBytes(StandardCharsets.UTF_8);
                    try {
                        NamespaceCalls.sethostname(name, name.length);
                    } catch (LastErrorException e) {
                        throw new ErrnoException("sethostname(" + hostname + ")", e.getErrorCode());
                    }
                }
                long tid = NamespaceCalls.syscall(NamespaceCalls.SYS_GETTID);
                String source = "/proc/self/task/" + tid + "/ns/" + kind.procName;
                Mounts.mount(source, target, null, Mounts.MS_BIND, null);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    /** Unpins and removes a namespace file. A file that is not there, or not mounted, is fine. */
    public static void removePinned(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Mounts.unmount(target, Mounts.MNT_DETACH);
        } catch (ErrnoException e) {
            // EINVAL: not a mount point any more (a half-made pin, or a second removal).
            if (e.errno() != ErrnoException.EINVAL && e.errno() != ErrnoException.ENOENT) {
                throw e;
            }
        }
        Files.deleteIfExists(target);
    }

    /**
     * Whether a namespace is pinned at the path (the file is a bind mount of an nsfs inode). One statfs(2):
     * the JDK's FileStore lookup reads the whole mount table per call, and a node with many pods has hundreds
     * of mounts, which made a restart's check of every pod grow with the square of their number.
     */
    public static boolean isPinned(Path target) {
        byte[] buf = new byte[STATFS_SIZE];
        try {
            NamespaceCalls.statfs(target.toString(), buf);
        } catch (LastErrorException e) {
            return false;
        }
        return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getLong(0) == NSFS_MAGIC;
    }

    /**
     * Runs {@code work} on a new platform thread that has entered the namespace pinned at {@code nsFile},
     * and discards the thread afterwards. Used to make sockets or read counters inside a pod's netns.
     */
    public static <T> T runIn(Kind kind, Path nsFile, Callable<T> work) throws IOException {
        return onThrowawayThread(() -> {
            int fd;
            try {
                fd = NamespaceCalls.open(nsFile.toString(), O_RDONLY | O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new ErrnoException("open(" + nsFile + ")", e.getErrorCode());
            }
            try {
                NamespaceCalls.setns(fd, kind.cloneFlag);
            } catch (LastErrorException e) {
                throw new ErrnoException("setns(" + nsFile + ")", e.getErrorCode());
            } finally {
                NamespaceCalls.close(fd);
            }
            return work.call();
        });
    }

    private static <T> T onThrowawayThread(Callable<T> work) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "berth-ns");
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a namespace thread", e);
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        } else if (f instanceof RuntimeException re) {
            throw re;
        } else if (f != null) {
            throw new IOException(f.getMessage(), f);
        }
        return result.get();
    }
}
