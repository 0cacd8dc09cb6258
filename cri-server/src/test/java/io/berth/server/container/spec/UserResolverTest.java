package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import io.berth.cri.v1.Int64Value;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.SupplementalGroupsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {
    @TempDir Path rootfs;
    @TempDir Path outside;

    @BeforeEach
    void image() throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), String.join("\n",
                "root:x:0:0:root:/root:/bin/sh",
                "# a comment",
                "broken line",
                "app:x:1000:1001::/home/app:/bin/sh",
                "nobody:x:65534:65534::/:/bin/false",
                "huge:x:99999999999:1::/:/bin/sh", ""));
        Files.writeString(rootfs.resolve("etc/group"), String.join("\n",
                "root:x:0:",
                "wheel:x:10:root,app",
                "app:x:1001:app",
                "audio:x:29:other,app",
                "staff:x:50:", ""));
    }

    private static ImageProcessDefaults imageUser(String user) {
        return new ImageProcessDefaults(user, List.of(), List.of(), List.of(), "", "");
    }

    private ResolvedUser resolve(LinuxContainerSecurityContext.Builder sc, String imageUser) {
        return UserResolver.resolve(sc.build(), imageUser(imageUser), rootfs);
    }

    @Test
    void defaultIsRootWithRootsGroups() {
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder(), ""))
                .isEqualTo(new ResolvedUser(0, 0, List.of(0L, 10L)));
    }

    @Test
    void runAsUsernameUsesPasswdAndGroupMembership() {
        ResolvedUser u = resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app")
                .addSupplementalGroups(5000).addSupplementalGroups(10), "");
        assertThat(u).isEqualTo(new ResolvedUser(1000, 1001, List.of(1001L, 10L, 29L, 5000L)));
    }

    @Test
    void strictPolicyIgnoresTheImagesGroups() {
        ResolvedUser u = resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app")
                .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict).addSupplementalGroups(5000), "");
        assertThat(u.additionalGids()).containsExactly(1001L, 5000L);
    }

    @Test
    void runAsUserTakesThePrimaryGroupFromPasswdWhenThereIsOne() {
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(1000)), "nobody").gid()).isEqualTo(1001);
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(4321)), ""))
                .isEqualTo(new ResolvedUser(4321, 0, List.of(0L)));
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .setRunAsGroup(Int64Value.newBuilder().setValue(7)), ""))
                .isEqualTo(new ResolvedUser(1000, 7, List.of(7L, 10L, 29L)));
    }

    @Test
    void imageUserForms() {
        LinuxContainerSecurityContext.Builder none = LinuxContainerSecurityContext.newBuilder();
        assertThat(resolve(none, "1000")).extracting(ResolvedUser::uid, ResolvedUser::gid).containsExactly(1000L, 1001L);
        assertThat(resolve(none, "1000:50")).extracting(ResolvedUser::uid, ResolvedUser::gid).containsExactly(1000L, 50L);
        assertThat(resolve(none, "app")).extracting(ResolvedUser::uid, ResolvedUser::gid).containsExactly(1000L, 1001L);
        assertThat(resolve(none, "app:staff")).extracting(ResolvedUser::uid, ResolvedUser::gid)
                .containsExactly(1000L, 50L);
        assertThat(resolve(none, "77:staff")).extracting(ResolvedUser::uid, ResolvedUser::gid).containsExactly(77L, 50L);
    }

    @Test
    void unknownNamesAreErrorsNamingThem() {
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("ghost"), ""))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("config.linux.security_context.run_as_username: user 'ghost' not found in the image's"
                        + " /etc/passwd");
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder(), "ghost"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("image config User: user 'ghost'");
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder(), "app:ghosts"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("group 'ghosts'");
        // An out-of-range uid in passwd is skipped, so the name does not exist.
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("huge"), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("'huge' not found");
    }

    @Test
    void numericRunAsUsernameNeedsNoPasswdEntry() {
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("4000"), "").uid())
                .isEqualTo(4000);
    }

    @Test
    void contradictoryOrOutOfRangeRequestsAreRefused() {
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app")
                .setRunAsUser(Int64Value.newBuilder().setValue(1)), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("mutually exclusive");
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder()
                .setRunAsGroup(Int64Value.newBuilder().setValue(1)), "app"))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("run_as_group is set without");
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder()
                .setRunAsUser(Int64Value.newBuilder().setValue(-1)), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("run_as_user: -1");
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder()
                .addSupplementalGroups(1L << 32), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("supplemental_groups");
    }

    @Test
    void absoluteSymlinkToTheHostResolvesInsideTheRootfs() throws IOException {
        Path hostPasswd = outside.resolve("etc/passwd");
        Files.createDirectories(hostPasswd.getParent());
        Files.writeString(hostPasswd, "app:x:0:0::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        // Read from the host, "app" would be uid 0; inside the rootfs the target does not exist.
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), hostPasswd);
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app"), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("'app' not found");

        // The same absolute target, present inside the rootfs, is what is read.
        Path inRoot = rootfs.resolve(outside.toString().substring(1)).resolve("etc/passwd");
        Files.createDirectories(inRoot.getParent());
        Files.writeString(inRoot, "app:x:2000:2000::/:/bin/sh\n");
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app"), "").uid())
                .isEqualTo(2000);
    }

    @Test
    void dotDotSymlinkCannotClimbOutOfTheRootfs() throws IOException {
        Path hostPasswd = outside.resolve("etc/passwd");
        Files.createDirectories(hostPasswd.getParent());
        Files.writeString(hostPasswd, "app:x:0:0::/:/bin/sh\n");
        Files.delete(rootfs.resolve("etc/passwd"));
        // Resolved naively from <rootfs>/etc this reaches the sibling directory "outside" on the host.
        String escape = "../../" + outside.getFileName() + "/etc/passwd";
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of(escape));
        assertThat(rootfs.resolve("etc").resolve(escape).normalize()).isEqualTo(hostPasswd.normalize());

        assertThat(RootScopedPath.resolve(rootfs, "/etc/passwd"))
                .isEqualTo(rootfs.resolve(outside.getFileName().toString()).resolve("etc/passwd"));
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app"), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("'app' not found");
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder(), "")).isEqualTo(ResolvedUser.root());
    }

    @Test
    void symlinkedEtcDirectoryIsFollowedInsideTheRootfs() throws IOException {
        Files.move(rootfs.resolve("etc"), rootfs.resolve("real-etc"));
        Files.createSymbolicLink(rootfs.resolve("etc"), Path.of("/real-etc/../real-etc"));
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app"), "").uid())
                .isEqualTo(1000);
    }

    @Test
    void symlinkLoopsEndWithAnError() throws IOException {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/loop"));
        Files.createSymbolicLink(rootfs.resolve("etc/loop"), Path.of("passwd"));
        assertThatThrownBy(() -> resolve(LinuxContainerSecurityContext.newBuilder(), ""))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("too many levels");
    }

    @Test
    void aDirectoryOrMissingPasswdMeansNoUsers() throws IOException {
        Files.delete(rootfs.resolve("etc/passwd"));
        Files.createDirectory(rootfs.resolve("etc/passwd"));
        assertThat(resolve(LinuxContainerSecurityContext.newBuilder(), "1234"))
                .isEqualTo(new ResolvedUser(1234, 0, List.of(0L)));
    }
}
