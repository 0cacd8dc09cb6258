package io.berth.e2e.kubelet;

import io.berth.e2e.harness.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One kubelet's KubeletConfiguration and the dirs it names, all in one temp dir: its root dir, cert dir, pod log
 * dir, volume plugin dir and static pod dir, beside {@code kubelet.yaml} and {@code kubelet.log}; and, for a kubelet
 * connected to an API server, its {@code kubeconfig}.
 */
final class KubeletConfig {
    private final ScratchDir dir;
    private final Path criSocket;
    private final int port;
    private final String cgroupRoot;
    private final String extraYaml;
    private final Optional<ControlPlane> apiServer;

    private KubeletConfig(ScratchDir dir, Path criSocket, int port, String cgroupRoot, String extraYaml,
            Optional<ControlPlane> apiServer) {
        this.dir = dir;
        this.criSocket = criSocket;
        this.port = port;
        this.cgroupRoot = cgroupRoot;
        this.extraYaml = extraYaml;
        this.apiServer = apiServer;
    }

    /**
     * Makes the static pod, pod log and volume plugin dirs in {@code dir} and writes {@code kubelet.yaml}, with
     * {@code extraYaml} (top-level KubeletConfiguration keys a scenario needs, e.g. featureGates) appended; with
     * an {@code apiServer}, also a kubeconfig for it.
     */
    static KubeletConfig write(ScratchDir dir, Path criSocket, int port, String cgroupRoot, String extraYaml,
            Optional<ControlPlane> apiServer) throws IOException {
        KubeletConfig config = new KubeletConfig(dir, criSocket, port, cgroupRoot, extraYaml, apiServer);
        Files.createDirectories(config.manifests());
        Files.createDirectories(config.podLogsDir());
        Files.createDirectories(config.volumePluginDir());
        dir.write("kubelet.yaml", config.yaml());
        apiServer.ifPresent(controlPlane -> dir.write("kubeconfig", kubeconfigYaml(controlPlane)));
        return config;
    }

    /**
     * A client config with the control plane's token that skips verifying the API server's self-signed
     * certificate: for tests on loopback only.
     */
    private static String kubeconfigYaml(ControlPlane controlPlane) {
        return String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: test",
                "  cluster:",
                "    server: " + controlPlane.url(),
                "    insecure-skip-tls-verify: true",
                "users:",
                "- name: test",
                "  user:",
                "    token: " + controlPlane.token(),
                "contexts:",
                "- name: test",
                "  context:",
                "    cluster: test",
                "    user: test",
                "current-context: test",
                "");
    }

    /**
     * The config, one setting per need:
     * <ul>
     * <li>staticPodPath, fileCheckFrequency 1s: pods come only from files here (an API server, when there is one,
     * has no scheduler to bind pods to the node); inotify sees a new file at once, the 1s rescan bounds a missed
     * event.
     * <li>containerRuntimeEndpoint, imageServiceEndpoint: berth's socket for both services.
     * <li>cgroupDriver cgroupfs: no systemd here; failCgroupV1 false: this host has hybrid cgroups (v1 controllers,
     * an empty v2 tree at /sys/fs/cgroup/unified) and kubelet refuses v1 by default since 1.35.
     * <li>cgroupsPerQOS true (the default, as on real nodes: kubelet makes kubepods/QoS/pod cgroups and sends them
     * to the runtime as cgroup_parent) under cgroupRoot, a directory of this instance's own so that it can be
     * removed afterwards; enforceNodeAllocatable pods (the default) only writes limits on that kubepods cgroup.
     * <li>failSwapOn false: kubelet would refuse to start if this host had swap on.
     * <li>address 127.0.0.1 and a free port, readOnlyPort 0 and healthzPort 0 (no unauthenticated HTTP ports);
     * anonymous authentication, webhook off and AlwaysAllow: no API server is asked, and this is a test.
     * <li>podLogsDir, volumePluginDir: temp dirs instead of /var/log/pods and /usr/libexec/kubernetes.
     * <li>registerNode false standalone: there is nothing to register with; true with an API server, as a real
     * node does (kubelet's node informer finds its own Node and mirror pods get it as owner).
     * <li>makeIPTablesUtilChains false: kubelet would add KUBE-FIREWALL and canary chains to the host's iptables
     * for kube-proxy's sake, and leave them there after the test.
     * </ul>
     */
    String yaml() {
        String socket = "unix://" + criSocket.toAbsolutePath();
        return String.join("\n",
                "apiVersion: kubelet.config.k8s.io/v1beta1",
                "kind: KubeletConfiguration",
                "staticPodPath: " + manifests(),
                "fileCheckFrequency: 1s",
                "containerRuntimeEndpoint: " + socket,
                "imageServiceEndpoint: " + socket,
                "cgroupDriver: cgroupfs",
                "cgroupsPerQOS: true",
                "cgroupRoot: " + cgroupRoot,
                "enforceNodeAllocatable: [pods]",
                "failCgroupV1: false",
                "failSwapOn: false",
                "address: 127.0.0.1",
                "port: " + port,
                "readOnlyPort: 0",
                "healthzPort: 0",
                "authentication:",
                "  anonymous:",
                "    enabled: true",
                "  webhook:",
                "    enabled: false",
                "authorization:",
                "  mode: AlwaysAllow",
                "podLogsDir: " + podLogsDir(),
                "volumePluginDir: " + volumePluginDir(),
                "registerNode: " + apiServer.isPresent(),
                "makeIPTablesUtilChains: false",
                "") + extraYaml;
    }

    Path file() {
        return dir.resolve("kubelet.yaml");
    }

    /** The kubeconfig for the API server, when kubelet has one; standalone otherwise. */
    Optional<Path> kubeconfig() {
        return apiServer.map(controlPlane -> dir.resolve("kubeconfig"));
    }

    /** The static pod directory: a manifest written here is a pod. */
    Path manifests() {
        return dir.resolve("manifests");
    }

    Path rootDir() {
        return dir.resolve("root");
    }

    Path certDir() {
        return dir.resolve("pki");
    }

    Path podLogsDir() {
        return dir.resolve("pod-logs");
    }

    Path volumePluginDir() {
        return dir.resolve("volume-plugins");
    }

    Path logFile() {
        return dir.resolve("kubelet.log");
    }

    int port() {
        return port;
    }
}
