package io.berth.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real namespaces: needs root (CI runs as root); skipped otherwise. */
class NamespacesTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() {
        assumeThat(Posix.euid()).as("namespace tests need root").isZero();
    }

    @Test
    void aPinnedNetNamespaceIsNewAndEnteredOnlyByTheThrowawayThread() throws Exception {
        Path ns = dir.resolve("net");
        Namespaces.createPinned(Namespaces.Kind.NET, ns, null);
        try {
            assertThat(Namespaces.isPinned(ns)).isTrue();
            String host = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            String inside = Namespaces.runIn(Namespaces.Kind.NET, ns,
                    () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            assertThat(inside).isNotEqualTo(host).isEqualTo("net:[" + Files.getAttribute(ns, "unix:ino") + "]");
            assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString())
                    .as("the calling thread stays in the host namespace").isEqualTo(host);
        } finally {
            Namespaces.removePinned(ns);
        }
        assertThat(ns).doesNotExist();
        assertThat(Namespaces.isPinned(ns)).isFalse();
    }

    @Test
    void aPlainFileIsNotAPin() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "");
        assertThat(Namespaces.isPinned(plain)).isFalse();
    }

    @Test
    void aPinnedUtsNamespaceCarriesItsHostname() throws Exception {
        Path ns = dir.resolve("uts");
        Namespaces.createPinned(Namespaces.Kind.UTS, ns, "pod-host-1");
        try {
            String inside = Namespaces.runIn(Namespaces.Kind.UTS, ns,
                    () -> Files.readString(Path.of("/proc/sys/kernel/hostname")).trim());
            assertThat(inside).isEqualTo("pod-host-1");
            assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim()).isNotEqualTo("pod-host-1");
        } finally {
            Namespaces.removePinned(ns);
        }
    }

    @Test
    void removingTwiceIsFine() throws Exception {
        Path ns = dir.resolve("ipc");
        Namespaces.createPinned(Namespaces.Kind.IPC, ns, null);
        Namespaces.removePinned(ns);
        Namespaces.removePinned(ns);
        assertThat(ns).doesNotExist();
    }
}
