package io.berth.linux;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/** Flushes a whole filesystem at once, for writers of many files that need them on disk together. */
public final class FilesystemSync {
    private FilesystemSync() {}

    /**
     * {@code syncfs(2)} on the filesystem that holds {@code dir}: every file written there so far is on disk when
     * it returns. One call instead of an fsync per file: an unpacked layer has thousands.
     */
    public static void syncFilesystemOf(Path dir) throws ErrnoException {
        int fd;
        try {
            fd = FdCalls.open(dir.toString(), FdCalls.O_DIRECTORY | FdCalls.O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("open(" + dir + ")", e.getErrorCode());
        }
        try {
            FileCalls.syncfs(fd);
        } catch (LastErrorException e) {
            throw new ErrnoException("syncfs(" + dir + ")", e.getErrorCode());
        } finally {
            try {
                FdCalls.close(fd);
            } catch (LastErrorException e) {
                // the sync itself is what mattered
            }
        }
    }
}
