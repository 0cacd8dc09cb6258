package io.berth.server;

import io.berth.linux.Posix;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * berth's two directory trees, made private to root, and the lock that keeps a second daemon off the
 * same root (two daemons writing one image store would corrupt it).
 */
final class DaemonRoots implements AutoCloseable {
    private static final int PRIVATE = 0700;

    private final FileChannel lockFile;
    private final FileLock lock;

    private DaemonRoots(FileChannel lockFile, FileLock lock) {
        this.lockFile = lockFile;
        this.lock = lock;
    }

    static DaemonRoots claim(Path root, Path state) throws IOException {
        makePrivateDir(root, "root");
        makePrivateDir(state, "state");
        Path lockPath = root.resolve("berthd.lock");
        FileChannel ch;
        try {
            ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("root " + root + " is not writable: cannot create " + lockPath + ": " + reason(e), e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new IOException("root " + root + " is in use by another berthd (it holds " + lockPath
                    + "); give each daemon its own --root");
        }
        return new DaemonRoots(ch, lock);
    }

    private static void makePrivateDir(Path dir, String what) throws IOException {
        try {
            Files.createDirectories(dir);
            Posix.chmod(dir.toString(), PRIVATE);
        } catch (IOException e) {
            throw new IOException("cannot use " + dir + " as the " + what + " directory: " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage();
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockFile.close();
    }
}
