package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatvfsTest {
    @TempDir
    Path tmp;

    @Test
    void agreesWithTheFileStoreAndCountsInodes() throws Exception {
        Statvfs.Space space = Statvfs.of(tmp).orElseThrow();
        FileStore store = Files.getFileStore(tmp);
        assertThat(space.bytes()).as("f_blocks * f_frsize, as NIO's total space").isEqualTo(store.getTotalSpace());
        assertThat(space.inodesFree()).isBetween(0L, space.inodes());
        assertThat(Statvfs.of(tmp.resolve("gone"))).isEmpty();
    }
}
