package io.berth.server.container.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime-spec {@code config.json} (v1.1), as far as berth fills it in. Component names are the JSON
 * names of the runtime-spec ({@code specs-go/config.go}); empty and null members are left out of the JSON,
 * as Go's {@code omitempty} does, except where the spec marks a member as required.
 */
@JsonInclude(Include.NON_EMPTY)
public record OciSpec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        List<Mount> mounts,
        Map<String, String> annotations,
        Linux linux) {

    /** The runtime-spec version berth writes; runc 1.1+ and crun accept it. */
    public static final String VERSION = "1.1.0";

    @JsonInclude(Include.NON_EMPTY)
    public record Process(
            @JsonInclude(Include.NON_DEFAULT) boolean terminal,
            @JsonInclude(Include.ALWAYS) User user,
            List<String> args,
            List<String> env,
            @JsonInclude(Include.ALWAYS) String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            @JsonInclude(Include.NON_DEFAULT) boolean noNewPrivileges,
            String apparmorProfile,
            Integer oomScoreAdj,
            String selinuxLabel) {}

    @JsonInclude(Include.NON_EMPTY)
    public record User(long uid, long gid, Integer umask, List<Long> additionalGids) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {}

    public record Rlimit(String type, long hard, long soft) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Root(@JsonInclude(Include.ALWAYS) String path, @JsonInclude(Include.NON_DEFAULT) boolean readonly) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Mount(
            @JsonInclude(Include.ALWAYS) String destination,
            String type,
            String source,
            List<String> options,
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings) {

        public Mount(String destination, String type, String source, List<String> options) {
            this(destination, type, source, options, List.of(), List.of());
        }
    }

    public record IdMapping(
            @JsonProperty("containerID") long containerId, @JsonProperty("hostID") long hostId, long size) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Linux(
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings,
            Map<String, String> sysctl,
            Resources resources,
            String cgroupsPath,
            List<Namespace> namespaces,
            List<Device> devices,
            Seccomp seccomp,
            String rootfsPropagation,
            List<String> maskedPaths,
            List<String> readonlyPaths) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Namespace(@JsonInclude(Include.ALWAYS) String type, String path) {}

    /** A device node the runtime creates in the container ({@code linux.devices}). */
    @JsonInclude(Include.NON_EMPTY)
    public record Device(
            String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Resources(
            List<DeviceRule> devices,
            Memory memory,
            Cpu cpu,
            Pids pids,
            List<HugepageLimit> hugepageLimits,
            Map<String, String> unified) {}

    /** One device-cgroup rule; {@code allow} is always written because false is meaningful. */
    @JsonInclude(Include.NON_EMPTY)
    public record DeviceRule(@JsonInclude(Include.ALWAYS) boolean allow, String type, Long major, Long minor,
            String access) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Memory(Long limit, Long reservation, Long swap, Boolean disableOOMKiller) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {}

    public record Pids(long limit) {}

    public record HugepageLimit(String pageSize, long limit) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Seccomp(
            @JsonInclude(Include.ALWAYS) String defaultAction,
            Integer defaultErrnoRet,
            List<String> architectures,
            List<String> flags,
            String listenerPath,
            String listenerMetadata,
            List<Syscall> syscalls) {}

    @JsonInclude(Include.NON_EMPTY)
    public record Syscall(List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {}

    @JsonInclude(Include.NON_EMPTY)
    public record SyscallArg(
            @JsonInclude(Include.ALWAYS) int index,
            @JsonInclude(Include.ALWAYS) long value,
            Long valueTwo,
            String op) {}
}
