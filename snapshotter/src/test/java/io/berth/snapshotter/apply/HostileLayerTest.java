package io.berth.snapshotter.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.snapshotter.tar.TarBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hostile layer per escape: each is refused naming the entry, or (absolute links, which mean "from
 * the container's root") confined to the root; and in every case the sibling dir "outside" is untouched.
 */
class HostileLayerTest {
    @TempDir
    Path tmp;
    Path root;
    Path outside;
    Path secret;

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        secret = Files.writeString(outside.resolve("secret"), "untouched");
    }

    @AfterEach
    void outsideIsUntouched() throws IOException {
        try (Stream<Path> all = Files.walk(outside)) {
            assertThat(all.toList()).containsExactlyInAnyOrder(outside, secret);
        }
        assertThat(secret).hasContent("untouched");
        assertThat(Files.getAttribute(secret, "unix:nlink")).isEqualTo(1);
        assertThat(Files.getAttribute(secret, "unix:mode")).isEqualTo(0100644);
        assertThat(tmp).isDirectoryNotContaining(p -> !p.equals(root) && !p.equals(outside));
    }

    private void apply(TarBuilder layer) throws IOException {
        LayerApplier.applyToDirectory(root, layer.stream(), null);
    }

    private void assertRefused(TarBuilder layer, String entry) {
        assertThatThrownBy(() -> apply(layer)).isInstanceOf(UnsafeLayerException.class)
                .hasMessageContaining("unsafe layer entry '" + entry + "'");
    }

    @Test
    void anEntryWithDotDotComponentsIsRefused() {
        assertRefused(new TarBuilder().file("../outside/evil", "x"), "../outside/evil");
        assertRefused(new TarBuilder().file("usr/../../outside/evil", "x"), "usr/../../outside/evil");
    }

    @Test
    void writingThroughARelativeSymlinkThatClimbsOutIsRefused() {
        assertRefused(new TarBuilder().symlink("escape", "../outside").file("escape/evil", "x"), "escape/evil");
        assertRefused(new TarBuilder().dir("a/b", 0755).symlink("a/b/up", "../../../outside/")
                .file("a/b/up/evil", "x"), "a/b/up/evil");
    }

    @Test
    void writingThroughASymlinkPlantedByAnEarlierLayerIsRefused() throws Exception {
        apply(new TarBuilder().symlink("lib", "../../outside"));
        assertRefused(new TarBuilder().file("lib/evil.so", "x"), "lib/evil.so");
        assertRefused(new TarBuilder().dir("lib/sub", 0777), "lib/sub/");
    }

    @Test
    void absoluteSymlinksAreFollowedInsideTheRootNeverOnTheHost() throws Exception {
        // Pointing at the real sibling dir by its host path: in the container that path is under the root.
        apply(new TarBuilder().symlink("host", outside.toString()).file("host/evil", "x"));
        assertThat(root.resolve(outside.toString().substring(1)).resolve("evil")).hasContent("x");
        // The classic: etc -> / then etc/passwd writes the root's /passwd.
        apply(new TarBuilder().symlink("etc", "/").file("etc/passwd", "root::0:0::/:"));
        assertThat(root.resolve("passwd")).hasContent("root::0:0::/:");
    }

    @Test
    void aSymlinkAboveTheRootThroughAnAbsoluteTargetIsRefused() {
        assertRefused(new TarBuilder().symlink("up", "/../outside").file("up/evil", "x"), "up/evil");
    }

    @Test
    void hardlinksToOutsideTheRootAreRefused() throws Exception {
        assertRefused(new TarBuilder().hardlink("stolen", "../outside/secret"), "stolen");
        assertRefused(new TarBuilder().symlink("out", "../outside").hardlink("stolen", "out/secret"), "stolen");
        // An absolute link name means the root's own path, where there is no such file.
        assertThatThrownBy(() -> apply(new TarBuilder().hardlink("stolen", secret.toString())))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void whiteoutsAimedAtDotDotOrThroughAnEscapingLinkAreRefused() {
        assertRefused(new TarBuilder().file(".wh..", ""), ".wh..");
        assertRefused(new TarBuilder().file("a/.wh..", ""), "a/.wh..");
        assertRefused(new TarBuilder().symlink("out", "../outside").file("out/.wh.secret", ""), "out/.wh.secret");
        assertRefused(new TarBuilder().symlink("out", "../outside").file("out/.wh..wh..opq", ""),
                "out/.wh..wh..opq");
    }

    @Test
    void anEntryOverAPlantedSymlinkReplacesTheLinkAndNotItsTarget() throws Exception {
        apply(new TarBuilder().symlink("config", "../outside/secret").symlink("dir", "../outside"));
        apply(new TarBuilder().file("config", "mine", 0600).dir("dir", 0777).hardlink("config2", "config"));

        assertThat(Files.isSymbolicLink(root.resolve("config"))).isFalse();
        assertThat(root.resolve("config")).hasContent("mine");
        assertThat(Files.isSymbolicLink(root.resolve("dir"))).isFalse();
        assertThat(root.resolve("dir")).isEmptyDirectory();
    }

    @Test
    void aSymlinkLoopIsRefusedNotFollowedForever() {
        assertRefused(new TarBuilder().symlink("a", "b").symlink("b", "a").file("a/x", "x"), "a/x");
    }

    @Test
    void ownersOutsideTheIdRangeAreRefused() {
        assertThatThrownBy(() -> apply(new TarBuilder().owner(-1, 0).file("f", "x")))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("outside the range of ids");
    }

    @Test
    void theResolverNeverReturnsAPathOutsideTheRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/"));
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(root.resolve("usr/lib/up"), Path.of("../../usr"));
        RootedResolver resolver = new RootedResolver(root);
        assertThat(resolver.resolveDir(List.of("abs", "abs", "usr", "lib", "up", "lib"), "e", false))
                .isEqualTo(root.resolve("usr/lib"));
        assertThat(resolver.resolveDir(List.of("abs"), "e", false)).isEqualTo(root);
    }
}
