package io.berth.server.store;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Space held back on the disk of a record store, in a file of zeros, for the records that stopping and removing
 * pods must write: an operator whose disk is full frees it by removing pods, and StopPodSandbox rewrote its record
 * before it freed anything, so on a full disk nothing could be removed. A change to an existing record that finds
 * the disk full frees the reserve and is written again; a new object finds no reserve for it. The reserve is made
 * again after the next write that finds room for it.
 */
final class DiskReserve {
    private static final Logger LOG = Logger.getLogger(DiskReserve.class.getName());
    /** A few records with their temporary copies; a record holds a container's config, its env included. */
    static final int BYTES = 1024 * 1024;

    private final Path file;
    private boolean held;

    DiskReserve(Path file) {
        this.file = file;
    }

    /** Makes the reserve if it is not there; on a disk without room for it, leaves none and says so once. */
    synchronized void fill(boolean quiet) {
        if (held) {
            return;
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) == BYTES) {
                held = true;
                return;
            }
            // A stream, as AtomicFiles writes records: an interrupt does not leave half a reserve.
            try (FileOutputStream out = new FileOutputStream(file.toFile())) {
                out.write(new byte[BYTES]);
                out.getFD().sync();
            }
            held = true;
        } catch (IOException e) {
            deleteQuietly();
            if (!quiet) {
                LOG.warning("cannot set " + BYTES + " bytes aside in " + file + " for the records of pod removals: "
                        + e.getMessage() + "; tried again after each record written");
            }
        }
    }

    /** Frees the reserve for a write that found the disk full; false when there was none to free. */
    synchronized boolean release() {
        if (!held) {
            return false;
        }
        held = false;
        return deleteQuietly();
    }

    private boolean deleteQuietly() {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false;
        }
    }
}
