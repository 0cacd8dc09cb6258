package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.IDMapping;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.Mount;
import io.berth.cri.v1.MountPropagation;
import io.berth.server.config.CgroupDriver;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MountPlannerTest {
    private final FakeHostFilesystem fs = Fixtures.fs().withPaths("/data", "/data/logs", "/var/run/x");
    private final ImageVolumes images = (image, sub) -> "/var/lib/berth/iv/" + image.getImage()
            + (sub.isEmpty() ? "" : "/" + sub);

    private MountPlanner.Plan plan(boolean rro, ContainerConfig config, boolean privileged, boolean roRootfs,
            boolean hostIpc) {
        HostFacts host = new HostFacts(CgroupDriver.CGROUPFS, true, false, rro, true, 0, "amd64", "n");
        return new MountPlanner(host, fs, images).plan(config, Fixtures.sandbox(), privileged, roRootfs,
                hostIpc);
    }

    private MountPlanner.Plan plan(Mount... mounts) {
        return plan(false, Fixtures.config().addAllMounts(List.of(mounts)).build(), false, false, false);
    }

    private static Map<String, OciSpec.Mount> byDestination(MountPlanner.Plan p) {
        return p.mounts().stream().collect(Collectors.toMap(OciSpec.Mount::destination, Function.identity()));
    }

    private static Mount.Builder bind(String dst, String src) {
        return Mount.newBuilder().setContainerPath(dst).setHostPath(src);
    }

    @Test
    void defaultsAndSandboxFilesInOrder() {
        MountPlanner.Plan p = plan();
        assertThat(p.mounts()).extracting(OciSpec.Mount::destination).containsExactly("/proc", "/dev", "/dev/pts",
                "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
                "/dev/shm");
        Map<String, OciSpec.Mount> m = byDestination(p);
        assertThat(m.get("/sys").options()).contains("ro");
        assertThat(m.get("/sys/fs/cgroup").type()).isEqualTo("cgroup");
        assertThat(m.get("/sys/fs/cgroup").options()).contains("ro");
        assertThat(m.get("/dev/shm")).isEqualTo(new OciSpec.Mount("/dev/shm", "bind",
                "/run/berth/sandboxes/p/shm", List.of("rbind", "rprivate", "rw")));
        assertThat(m.get("/etc/hosts").options()).containsExactly("rbind", "rprivate", "rw");
        assertThat(p.rootfsPropagation()).isNull();
    }

    @Test
    void privilegedGetsWritableSysfsAndCgroupfs() {
        Map<String, OciSpec.Mount> m = byDestination(plan(false, Fixtures.config().build(), true, false, false));
        assertThat(m.get("/sys").options()).contains("rw").doesNotContain("ro");
        assertThat(m.get("/sys/fs/cgroup").options()).contains("rw").doesNotContain("ro");
    }

    @Test
    void readonlyRootfsMakesSandboxFilesReadOnlyButNotShm() {
        Map<String, OciSpec.Mount> m = byDestination(plan(false, Fixtures.config().build(), false, true, false));
        assertThat(m.get("/etc/resolv.conf").options()).contains("ro");
        assertThat(m.get("/dev/shm").options()).contains("rw");
    }

    @Test
    void hostIpcSharesTheHostsShm() {
        assertThat(byDestination(plan(false, Fixtures.config().build(), false, false, true)).get("/dev/shm").source())
                .isEqualTo("/dev/shm");
    }

    @Test
    void missingSandboxFilesAreSkippedButMissingShmIsAnError() {
        fs.paths.remove(Fixtures.sandbox().resolvConfPath());
        assertThat(byDestination(plan())).doesNotContainKey("/etc/resolv.conf");
        fs.paths.remove(Fixtures.sandbox().shmPath());
        assertThatThrownBy(this::plan).isInstanceOf(FailedPreconditionException.class).hasMessageContaining("/dev/shm");
    }

    @Test
    void propagationOptions() {
        MountPlanner.Plan p = plan(bind("/a", "/data").setPropagation(MountPropagation.PROPAGATION_PRIVATE).build(),
                bind("/b", "/data").setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER).build());
        Map<String, OciSpec.Mount> m = byDestination(p);
        assertThat(m.get("/a").options()).containsExactly("rbind", "rprivate", "rw");
        assertThat(m.get("/b").options()).containsExactly("rbind", "rslave", "rw");
        assertThat(p.rootfsPropagation()).isEqualTo("rslave");

        MountPlanner.Plan shared = plan(
                bind("/c", "/data").setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL).build(),
                bind("/d", "/data").setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER).build());
        assertThat(byDestination(shared).get("/c").options()).containsExactly("rbind", "rshared", "rw");
        assertThat(shared.rootfsPropagation()).isEqualTo("rshared");
    }

    @Test
    void readOnlyAndRecursiveReadOnly() {
        assertThat(byDestination(plan(bind("/ro", "/data").setReadonly(true).build())).get("/ro").options())
                .containsExactly("rbind", "rprivate", "ro");
        Mount rro = bind("/rro", "/data").setReadonly(true).setRecursiveReadOnly(true).build();
        assertThat(byDestination(plan(true, Fixtures.config().addMounts(rro).build(), false, false, false))
                .get("/rro").options()).containsExactly("rbind", "rprivate", "rro");
        assertThatThrownBy(() -> plan(rro)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.mounts[0].recursive_read_only: this host's OCI runtime or kernel"
                        + " does not support");
        Mount rw = bind("/rro", "/data").setRecursiveReadOnly(true).build();
        assertThatThrownBy(() -> plan(true, Fixtures.config().addMounts(rw).build(), false, false, false))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("requires readonly=true");
        Mount slave = rro.toBuilder().setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER).build();
        assertThatThrownBy(() -> plan(true, Fixtures.config().addMounts(slave).build(), false, false, false))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("requires private propagation");
    }

    @Test
    void requestedMountsReplaceDefaultsAndSandboxFiles() {
        Map<String, OciSpec.Mount> m = byDestination(plan(bind("/etc/hosts/", "/data").build(),
                bind("/sys", "/data").build()));
        assertThat(m.get("/etc/hosts").source()).isEqualTo("/data");
        assertThat(m.get("/sys").type()).isEqualTo("bind");
        assertThat(m.get("/sys/fs/cgroup").type()).isEqualTo("cgroup");
    }

    @Test
    void aRequestedDevReplacesEverythingBelowIt() {
        MountPlanner.Plan p = plan(bind("/dev", "/data").build());
        assertThat(p.mounts()).extracting(OciSpec.Mount::destination)
                .doesNotContain("/dev/pts", "/dev/mqueue", "/dev/shm").containsOnlyOnce("/dev");
    }

    @Test
    void parentsComeBeforeChildrenWhateverTheRequestOrder() {
        MountPlanner.Plan p = plan(bind("/a/b/c", "/data").build(), bind("/a", "/data/logs").build(),
                bind("/a/b", "/data").build());
        List<String> dst = p.mounts().stream().map(OciSpec.Mount::destination).toList();
        assertThat(dst.indexOf("/a")).isLessThan(dst.indexOf("/a/b"));
        assertThat(dst.indexOf("/a/b")).isLessThan(dst.indexOf("/a/b/c"));
    }

    @Test
    void hostileOrMissingPathsAreNamed() {
        assertThatThrownBy(() -> plan(bind("/x", "/nope").build())).isInstanceOf(NotFoundException.class)
                .hasMessage("config.mounts[0].host_path: '/nope' does not exist on the host");
        assertThatThrownBy(() -> plan(bind("/x", "relative").build())).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("config.mounts[0].host_path: 'relative' is not an absolute path");
        assertThatThrownBy(() -> plan(bind("rel", "/data").build())).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("config.mounts[0].container_path");
        assertThatThrownBy(() -> plan(bind("/../..", "/data").build())).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("cannot mount over the root filesystem");
        assertThatThrownBy(() -> plan(bind("/x", "/data").build(), bind("/x/.", "/data").build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("mounted twice");
        assertThat(byDestination(plan(bind("/x/../y//z/", "/data").build()))).containsKey("/y/z");
    }

    @Test
    void imageVolumes() {
        Mount iv = Mount.newBuilder().setContainerPath("/models").setImage(ImageSpec.newBuilder().setImage("img1"))
                .setImageSubPath("weights/v1").setReadonly(true).build();
        assertThat(byDestination(plan(iv)).get("/models")).isEqualTo(new OciSpec.Mount("/models", "bind",
                "/var/lib/berth/iv/img1/weights/v1", List.of("rbind", "rprivate", "ro", "nosuid", "nodev")));
        assertThatThrownBy(() -> plan(iv.toBuilder().setImageSubPath("a/../../etc").build()))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("config.mounts[0].image_sub_path").hasMessageContaining("'..'");
        assertThatThrownBy(() -> plan(iv.toBuilder().setImageSubPath("/etc").build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("must be a relative path");
        assertThatThrownBy(() -> plan(iv.toBuilder().setHostPath("/data").build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("mutually exclusive");
        // The CRI asks runtimes to refuse a writable image volume rather than quietly mount it read-only.
        assertThatThrownBy(() -> plan(iv.toBuilder().setReadonly(false).build()))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessage("config.mounts[0].readonly: an image volume is read-only; set readonly to true");
    }

    @Test
    void requestedMountOptionsOnlyTakePowersAway() {
        Mount m = bind("/m", "/data").addMountOptions("noexec").addMountOptions("nosuid").addMountOptions("noexec")
                .build();
        assertThat(byDestination(plan(m)).get("/m").options())
                .containsExactly("rbind", "rprivate", "rw", "noexec", "nosuid");
        for (String loosening : List.of("exec", "suid", "rw", "remount", "bind,dev")) {
            assertThatThrownBy(() -> plan(bind("/m", "/data").addMountOptions(loosening).build()))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("config.mounts[0].mount_options: '" + loosening + "' is not supported");
        }
    }

    @Test
    void idMappingsArePassedThrough() {
        Mount m = bind("/m", "/data").addUidMappings(IDMapping.newBuilder().setContainerId(0).setHostId(100000)
                .setLength(65536)).build();
        assertThat(byDestination(plan(m)).get("/m").uidMappings())
                .containsExactly(new OciSpec.IdMapping(0, 100000, 65536));
    }
}
