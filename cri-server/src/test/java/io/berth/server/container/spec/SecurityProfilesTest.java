package io.berth.server.container.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.SecurityProfile;
import io.berth.cri.v1.SecurityProfile.ProfileType;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecurityProfilesTest {
    private final FakeHostFilesystem fs = new FakeHostFilesystem();
    private final SeccompProfiles seccomp = new SeccompProfiles(fs, "amd64");

    private static SecurityProfile profile(ProfileType type, String ref) {
        return SecurityProfile.newBuilder().setProfileType(type).setLocalhostRef(ref).build();
    }

    private Optional<OciSpec.Seccomp> seccomp(LinuxContainerSecurityContext.Builder sc) {
        return seccomp.select(sc.build(), Capabilities.DEFAULT);
    }

    private static boolean allows(OciSpec.Seccomp s, String syscall) {
        return s.syscalls().stream().anyMatch(r -> r.action().equals("SCMP_ACT_ALLOW") && r.args().isEmpty()
                && r.names().contains(syscall));
    }

    @Test
    void runtimeDefaultIsTheShippedProfile() {
        OciSpec.Seccomp s = seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.RuntimeDefault, ""))).orElseThrow();
        assertThat(s.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(s.defaultErrnoRet()).isEqualTo(1);
        assertThat(s.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(allows(s, "read")).isTrue();
        assertThat(allows(s, "execve")).isTrue();
        assertThat(allows(s, "arch_prctl")).isTrue();
        // Namespaces, mounts, kernel modules and reboot need capabilities the default set lacks.
        for (String denied : List.of("mount", "unshare", "setns", "init_module", "reboot", "bpf", "cacheflush")) {
            assertThat(allows(s, denied)).as(denied).isFalse();
        }
        // clone is allowed, but only without namespace flags.
        assertThat(s.syscalls()).anySatisfy(r -> {
            assertThat(r.names()).containsExactly("clone");
            assertThat(r.args()).containsExactly(new OciSpec.SyscallArg(0, 0x7E020000L, 0L, "SCMP_CMP_MASKED_EQ"));
        });
    }

    @Test
    void defaultProfileFollowsCapabilitiesAndArchitecture() {
        OciSpec.Seccomp admin = new SeccompProfiles(fs, "arm64").select(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.RuntimeDefault, "")).build(), List.of("CAP_SYS_ADMIN")).orElseThrow();
        assertThat(admin.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        assertThat(allows(admin, "mount")).isTrue();
        assertThat(allows(admin, "cacheflush")).isTrue();
        assertThat(allows(admin, "arch_prctl")).isFalse();
        assertThat(admin.syscalls()).noneMatch(r -> r.names().equals(List.of("clone3"))
                && r.action().equals("SCMP_ACT_ERRNO"));
    }

    @Test
    void unconfinedPrivilegedAndUnsetMeanNoFilter() {
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.Unconfined, "")))).isEmpty();
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder())).isEmpty();
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)
                .setSeccomp(profile(ProfileType.RuntimeDefault, "")))).isEmpty();
    }

    @Test
    void deprecatedStringForms() {
        for (String d : List.of("runtime/default", "docker/default")) {
            assertThat(seccomp(LinuxContainerSecurityContext.newBuilder().setSeccompProfilePath(d))).isPresent();
        }
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder().setSeccompProfilePath("unconfined"))).isEmpty();
        fs.withFile("/var/lib/kubelet/seccomp/p.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccompProfilePath("localhost//var/lib/kubelet/seccomp/p.json")).orElseThrow().defaultAction())
                .isEqualTo("SCMP_ACT_LOG");
        assertThatThrownBy(() -> seccomp(LinuxContainerSecurityContext.newBuilder().setSeccompProfilePath("bogus")))
                .isInstanceOf(InvalidArgumentException.class)
                .hasMessageStartingWith("config.linux.security_context.seccomp_profile_path: 'bogus'");
        // The newer field wins over the deprecated one.
        assertThat(seccomp(LinuxContainerSecurityContext.newBuilder().setSeccompProfilePath("runtime/default")
                .setSeccomp(profile(ProfileType.Unconfined, "")))).isEmpty();
    }

    @Test
    void localhostProfileIsReadCheckedAndConverted() {
        fs.withFile("/profiles/ok.json", """
                {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                 "flags": ["SECCOMP_FILTER_FLAG_LOG"], "unknownMember": 1,
                 "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                              {"name": "kill", "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                               "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
                              {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
                """);
        OciSpec.Seccomp s = seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.Localhost, "/profiles/ok.json"))).orElseThrow();
        assertThat(s).isEqualTo(new OciSpec.Seccomp("SCMP_ACT_ERRNO", null, List.of("SCMP_ARCH_X86_64"),
                List.of("SECCOMP_FILTER_FLAG_LOG"), null, null, List.of(
                        new OciSpec.Syscall(List.of("read", "write"), "SCMP_ACT_ALLOW", null, List.of()),
                        new OciSpec.Syscall(List.of("kill"), "SCMP_ACT_ERRNO", 13,
                                List.of(new OciSpec.SyscallArg(1, 9, null, "SCMP_CMP_EQ"))))));
    }

    @Test
    void badLocalhostProfilesAreNamed() {
        assertThatThrownBy(() -> seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.Localhost, "/profiles/missing.json"))))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("'/profiles/missing.json' does not exist");
        fs.files.put("/profiles/big.json", new byte[SeccompProfiles.MAX_PROFILE_BYTES + 1]);
        fs.withFile("/profiles/notjson.json", "{\"defaultAction\":");
        fs.withFile("/profiles/array.json", "[]");
        fs.withFile("/profiles/action.json", "{\"defaultAction\":\"SCMP_ACT_PWN\"}");
        fs.withFile("/profiles/name.json",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"../x\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
        fs.withFile("/profiles/op.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                + "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}");
        for (String p : List.of("big", "notjson", "array", "action", "name", "op")) {
            assertThatThrownBy(() -> seccomp(LinuxContainerSecurityContext.newBuilder()
                    .setSeccomp(profile(ProfileType.Localhost, "/profiles/" + p + ".json"))))
                    .as(p).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageContaining("/profiles/" + p + ".json");
        }
        assertThatThrownBy(() -> seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.Localhost, "relative.json"))))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> seccomp(LinuxContainerSecurityContext.newBuilder()
                .setSeccomp(profile(ProfileType.RuntimeDefault, "/x"))))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("only allowed with profile type");
    }

    @Test
    void apparmorWithAppArmorEnabled() {
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.getDefaultInstance(), true))
                .contains(AppArmorProfiles.DEFAULT_PROFILE);
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.RuntimeDefault, "")).build(), true)).contains("berth-default");
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)
                .setApparmor(profile(ProfileType.RuntimeDefault, "")).build(), true)).isEmpty();
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.Unconfined, "")).build(), true)).isEmpty();
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.Localhost, "k8s-nginx")).build(), true)).contains("k8s-nginx");
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmorProfile("localhost/k8s-nginx").build(), true)).contains("k8s-nginx");
        assertThatThrownBy(() -> AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.Localhost, "bad profile\n")).build(), true))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not an AppArmor profile name");
    }

    @Test
    void apparmorWithoutAppArmor() {
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.getDefaultInstance(), false)).isEmpty();
        assertThat(AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.RuntimeDefault, "")).build(), false)).isEmpty();
        assertThatThrownBy(() -> AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmor(profile(ProfileType.Localhost, "k8s-nginx")).build(), false))
                .isInstanceOf(FailedPreconditionException.class)
                .hasMessage("config.linux.security_context.apparmor: AppArmor profile 'k8s-nginx' was requested but"
                        + " AppArmor is not enabled on this host");
        assertThatThrownBy(() -> AppArmorProfiles.select(LinuxContainerSecurityContext.newBuilder()
                .setApparmorProfile("docker/default").build(), false))
                .isInstanceOf(InvalidArgumentException.class).hasMessageStartingWith(
                        "config.linux.security_context.apparmor_profile: 'docker/default'");
    }
}
