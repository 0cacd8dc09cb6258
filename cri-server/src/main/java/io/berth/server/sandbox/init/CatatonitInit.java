package io.berth.server.sandbox.init;

import io.berth.common.error.FailedPreconditionException;
import io.berth.cri.v1.Capability;
import io.berth.cri.v1.ContainerConfig;
import io.berth.cri.v1.ContainerMetadata;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.LinuxContainerConfig;
import io.berth.cri.v1.LinuxContainerSecurityContext;
import io.berth.cri.v1.NamespaceMode;
import io.berth.cri.v1.NamespaceOption;
import io.berth.linux.TreeDeleter;
import io.berth.server.config.BerthConfig;
import io.berth.server.container.ContainerCleaner;
import io.berth.server.container.ContainerCreator;
import io.berth.server.container.RuntimeCli;
import io.berth.server.container.StoredSandboxFacts;
import io.berth.server.container.spec.ImageProcessDefaults;
import io.berth.server.container.spec.OciSpecJson;
import io.berth.server.container.spec.ResolvedUser;
import io.berth.server.container.spec.SpecBuilder;
import io.berth.server.container.spec.SpecInputs;
import io.berth.server.sandbox.SandboxInit;
import io.berth.server.sandbox.SandboxMetadata;
import io.berth.shim.api.ShimConfig;
import io.berth.shim.api.Status;
import io.berth.shim.client.ShimClient;
import io.berth.shim.client.ShimGoneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;
/**
 * The sandbox's init process: catatonit in pause mode, run by its own shim like any container but from a
 * root filesystem of one static binary, so a sandbox needs no image for it.
 */
public final class CatatonitInit implements SandboxInit {
    public static final Path CATATONIT = Path.of("/usr/bin/catatonit");
    private static final int SIGKILL = 9;

    private final BerthConfig config;
    private final SpecBuilder specs;
    private final StoredSandboxFacts sandboxFacts;
    private final ContainerCreator.ShimLauncher launcher;
    private final Path initBinary;
    /** Lets go of the init's stdio duplicates that berthd holds (see ShimHosts) once the init is deleted. */
    private final Consumer<Path> releaseStdio;

    public CatatonitInit(BerthConfig config, SpecBuilder specs, StoredSandboxFacts sandboxFacts,
            ContainerCreator.ShimLauncher launcher, Path initBinary, Consumer<Path> releaseStdio) {
        this.config = config;
        this.specs = specs;
        this.sandboxFacts = sandboxFacts;
        this.launcher = launcher;
        this.initBinary = initBinary;
        this.releaseStdio = releaseStdio;
    }

    @Override
    public int start(SandboxMetadata sandbox) throws Exception {
        if (!Files.isExecutable(initBinary)) {
            throw new FailedPreconditionException("a pod with PID namespace mode POD needs an init process, but "
                    + initBinary + " is missing (install Debian's catatonit package)");
        }
        Path runDir = runDir(sandbox);
        Path rootfs = runDir.resolve("bundle/rootfs");
        Files.createDirectories(rootfs);
        Files.copy(initBinary, rootfs.resolve("catatonit"), StandardCopyOption.REPLACE_EXISTING);
        String id = infraId(sandbox);
        ContainerConfig init = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName("POD"))
                .setImage(ImageSpec.newBuilder().setImage("berth-pod-init"))
                .addCommand("/catatonit").addCommand("-P")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(sandbox.config().getLinux().getResources())
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                .setReadonlyRootfs(true)
                                .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"))
                                .setNoNewPrivs(true)
                                .setNamespaceOptions(NamespaceOption.newBuilder()
                                        .setPid(NamespaceMode.CONTAINER)
                                        .setNetwork(sandbox.hostNetwork() ? NamespaceMode.NODE : NamespaceMode.POD)
                                        .setIpc(sandbox.hostIpc() ? NamespaceMode.NODE : NamespaceMode.POD))))
                .build();
        SpecInputs inputs = new SpecInputs(id, init, sandbox.config(), sandboxFacts.withoutPidNamespace(sandbox),
                ImageProcessDefaults.empty(), "berth-pod-init", ResolvedUser.root(), "rootfs", 0);
        Files.write(runDir.resolve("bundle/config.json"), OciSpecJson.toBytes(specs.build(inputs)));
        ShimClient shim = launcher.launch(ShimConfig.newBuilder()
                .setId(id)
                .setBundle(runDir.resolve("bundle").toString())
                .setRuntime(config.runtimes().get(sandbox.runtimeHandler()).binary())
                .setRuntimeRoot(ContainerCleaner.runtimeRoot(config, sandbox.runtimeHandler()))
                .setLogPath(runDir.resolve("init.log").toString())
                .setRunDir(runDir.toString())
                .setSandboxId(sandbox.id())
                .setRuntimeTimeoutSeconds(config.shim().runtimeTimeoutSeconds())
                .build());
        try {
            return shim.start().getPid();
        } catch (RuntimeException e) {
            shim.delete(true);
            throw e;
        }
    }

    @Override
    public void stop(SandboxMetadata sandbox) throws Exception {
        Path runDir = runDir(sandbox);
        if (!Files.exists(runDir)) {
            return;
        }
        try {
            ShimClient shim = ShimClient.connect(runDir);
            shim.kill(SIGKILL, true);
            shim.delete(true);
        } catch (ShimGoneException | IOException gone) {
            new RuntimeCli(config.runtimes().get(sandbox.runtimeHandler()).binary(),
                    ContainerCleaner.runtimeRoot(config, sandbox.runtimeHandler())).forceDelete(infraId(sandbox));
        }
        releaseStdio.accept(runDir);
        ContainerCreator.unmountAllUnder(runDir);
        TreeDeleter.delete(runDir);
    }

    @Override
    public void stopOrphan(Path sandboxDir) throws Exception {
        Path runDir = sandboxDir.resolve("infra");
        if (!Files.exists(runDir)) {
            return;
        }
        try {
            ShimClient shim = ShimClient.connect(runDir);
            shim.kill(SIGKILL, true);
            shim.delete(true);
        } catch (ShimGoneException | IOException gone) {
            // No shim serves it: runc never created the init, or the shim already deleted it.
        }
        releaseStdio.accept(runDir);
        ContainerCreator.unmountAllUnder(runDir);
        TreeDeleter.delete(runDir);
    }

    @Override
    public boolean isRunning(SandboxMetadata sandbox) {
        try {
            return ShimClient.connect(runDir(sandbox)).state().getStatus() == Status.STATUS_RUNNING;
        } catch (ShimGoneException | IOException e) {
            return false;
        }
    }

    private static Path runDir(SandboxMetadata sandbox) {
        return sandbox.paths().dir().resolve("infra");
    }

    /** The runtime's id for the init container: the sandbox id, as containerd names its pause container. */
    static String infraId(SandboxMetadata sandbox) {
        return sandbox.id();
    }
}
