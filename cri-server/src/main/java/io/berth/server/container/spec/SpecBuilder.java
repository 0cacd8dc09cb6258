package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.PodSandboxConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the OCI {@code config.json} of a CRI container from the request, the pod, the image config and the
 * host, following what containerd's CRI plugin writes for the same request. Pure: it touches the host only
 * through {@link HostFilesystem} and {@link ImageVolumes}.
 */
public final class SpecBuilder {
    /** Masked with an empty file or tmpfs in every unprivileged container (containerd's list). */
    public static final List<String> DEFAULT_MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/scsi");
    /** Remounted read-only in every unprivileged container (containerd's list). */
    public static final List<String> DEFAULT_READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");

    static final String ANNOTATION_PREFIX = "io.kubernetes.cri.";
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}");
    private static final String SC = "config.linux.security_context.";

    private final HostFacts host;
    private final MountPlanner mounts;
    private final DevicePlanner devices;
    private final ResourcesMapper resources;
    private final SeccompProfiles seccomp;

    public SpecBuilder(HostFacts host, HostFilesystem fs, ImageVolumes imageVolumes) {
        this.host = host;
        this.mounts = new MountPlanner(host, fs, imageVolumes);
        this.devices = new DevicePlanner(fs);
        this.resources = new ResourcesMapper(host);
        this.seccomp = new SeccompProfiles(fs, host.arch());
    }

    public OciSpec build(SpecInputs in) {
        if (!CONTAINER_ID.matcher(in.containerId()).matches()) {
            throw new InvalidArgumentException("container id '" + Require.printable(in.containerId())
                    + "' is not a valid id");
        }
        ContainerConfig config = in.config();
        PodSandboxConfig pod = in.sandboxConfig();
        LinuxContainerSecurityContext sc = config.getLinux().getSecurityContext();
        boolean privileged = sc.getPrivileged();
        if (privileged && !pod.getLinux().getSecurityContext().getPrivileged()) {
            throw new InvalidArgumentException(SC + "privileged: the pod sandbox does not allow privileged"
                    + " containers (sandbox_config.linux.security_context.privileged is false)");
        }

        NamespacePlan ns = NamespacePlan.of(sc.getNamespaceOptions(), in.sandbox(), host.cgroupV2(), in.targetPid());
        // RunPodSandbox admitted the pod's host name (SandboxCreator.hostname); a container only reads it.
        String hostname = ns.hostNetwork() ? host.nodeHostname() : pod.getHostname();

        OciSpec.Capabilities caps = Capabilities.of(sc, host.grantableCapabilities());
        List<String> argv = ProcessArgs.argv(config.getCommandList(), config.getArgsList(), in.image());
        List<String> env = ProcessEnv.merge(hostname, in.image(), config.getEnvsList());
        host.argumentSpace().check(argv, env);
        OciSpec.Process process = new OciSpec.Process(
                config.getTty(),
                new OciSpec.User(in.user().uid(), in.user().gid(), null, in.user().additionalGids()),
                argv,
                env,
                ProcessArgs.workingDir(config.getWorkingDir(), in.image()),
                caps,
                List.of(),
                sc.getNoNewPrivs(),
                AppArmorProfiles.select(sc, host.apparmorEnabled()).orElse(null),
                resources.oomScoreAdj(config.getLinux().getResources()),
                null);

        MountPlanner.Plan mountPlan = mounts.plan(config, in.sandbox(), privileged, sc.getReadonlyRootfs(),
                ns.hostIpc());
        DevicePlanner.Plan devicePlan = devices.plan(config, privileged);
        Optional<OciSpec.Seccomp> filter = seccomp.select(sc, caps.bounding());

        OciSpec.Linux linux = new OciSpec.Linux(
                List.of(),
                List.of(),
                in.sandbox().sysctls(),
                resources.map(config.getLinux().getResources(), devicePlan.rules()),
                CgroupsPath.of(host.cgroupDriver(), in.sandbox().cgroupParent(), in.containerId()),
                ns.namespaces(),
                devicePlan.devices(),
                filter.orElse(null),
                mountPlan.rootfsPropagation(),
                privileged ? List.of() : paths(sc.getMaskedPathsList(), DEFAULT_MASKED_PATHS, "masked_paths"),
                privileged ? List.of() : paths(sc.getReadonlyPathsList(), DEFAULT_READONLY_PATHS, "readonly_paths"));

        return new OciSpec(
                OciSpec.VERSION,
                process,
                new OciSpec.Root(in.rootfsPath(), sc.getReadonlyRootfs()),
                ns.hostNetwork() ? null : hostname,
                mountPlan.mounts(),
                annotations(in),
                linux);
    }

    private static List<String> paths(List<String> requested, List<String> defaults, String field) {
        if (requested.isEmpty()) {
            return defaults;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            out.add(ContainerPaths.cleanAbsolute(requested.get(i), SC + field + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    /** The request's annotations, then containerd's {@code io.kubernetes.cri.*} set, which a request cannot fake. */
    private static Map<String, String> annotations(SpecInputs in) {
        Map<String, String> out = new TreeMap<>();
        in.config().getAnnotationsMap().forEach((k, v) -> {
            if (!k.startsWith(ANNOTATION_PREFIX)) {
                out.put(k, v);
            }
        });
        var meta = in.sandboxConfig().getMetadata();
        out.put(ANNOTATION_PREFIX + "container-type", "container");
        out.put(ANNOTATION_PREFIX + "sandbox-id", in.sandbox().podId());
        out.put(ANNOTATION_PREFIX + "sandbox-name", meta.getName());
        out.put(ANNOTATION_PREFIX + "sandbox-namespace", meta.getNamespace());
        out.put(ANNOTATION_PREFIX + "sandbox-uid", meta.getUid());
        out.put(ANNOTATION_PREFIX + "container-name", in.config().getMetadata().getName());
        out.put(ANNOTATION_PREFIX + "image-name", in.imageName());
        return out;
    }
}
