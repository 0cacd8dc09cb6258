package io.berth.server.admin;

import io.berth.admin.v1.AdminGrpc;
import io.berth.admin.v1.ShimHost;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.RuntimeStatus;
import io.berth.cri.v1.StatusResponse;
import io.berth.cri.v1.VersionResponse;
import io.berth.linux.Posix;
import io.berth.server.admin.cli.AdminConnection;
import io.berth.server.config.CgroupDriver;
import io.berth.server.config.RuntimeHandlerConfig;
import io.berth.server.container.ContainerStore;
import io.berth.server.image.FilesystemUsageMeter;
import io.berth.server.sandbox.SandboxStore;
import io.berth.snapshotter.fs.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real admin server on a unix socket in a temp dir, over real sandbox and container stores and fakes of
 * what needs a running node (the CRI Status, shim hosts, the image side): for the admin RPC and berthctl tests.
 */
public final class AdminFixture implements AutoCloseable {
    public static final String BUILD = "0123456789abcdef01234567";
    public static final ShimHost NODE_HOST = ShimHost.newBuilder().setGroup("node").setPid(4242).setAlive(true)
            .setBuild(BUILD).setContainers(2).setDir("/run/berth/shims/node").build();

    public final Path root;
    public final Path state;
    public final Path socket;
    public final Path spoolDir;
    public final SandboxStore sandboxes;
    public final ContainerStore containers;
    public final RecordingArchives archives = new RecordingArchives();
    /** Image references the export knows, to their ids. */
    public final Map<String, String> images = new ConcurrentHashMap<>();
    private final AdminServer server;
    private final AdminConnection connection;

    private AdminFixture(Path dir, ImportSpool.Limits limits, int allowedUid) throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        state = Files.createDirectories(dir.resolve("state"));
        socket = state.resolve(AdminServer.SOCKET_NAME);
        spoolDir = root.resolve("import-spool");
        sandboxes = new SandboxStore(root.resolve("sandboxes"));
        containers = new ContainerStore(root.resolve("containers"));
        FilesystemUsageMeter snapshotUsage = new FilesystemUsageMeter(root.resolve("snapshots"), Clock.systemUTC(),
                walked -> new Usage(4096, 3));
        AdminService service = new AdminService(
                new AdminVersionRpc(VersionResponse.newBuilder().setRuntimeName("berth").setRuntimeVersion("9.8.7")
                        .setRuntimeApiVersion("v1").build(), BUILD, "runc",
                        List.of(new RuntimeHandlerConfig("runc", "runc"), new RuntimeHandlerConfig("kata", "/opt/kata"))),
                new HealthRpc(request -> StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
                        .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                        .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(false)
                                .setReason("NetworkPluginNotReady").setMessage("no CNI config")))
                        .build(), () -> List.of(NODE_HOST), new DiskReport(root, state, snapshotUsage)),
                new DebugDumpRpc(sandboxes, containers, new DebugDumpRpc.RecordDirs(root.resolve("sandboxes"),
                        root.resolve("containers")), key -> Optional.of(root.resolve("snapshots/7/fs")),
                        CgroupDriver.CGROUPFS),
                new ImportImageRpc(archives),
                ImportSpool.open(spoolDir, limits),
                new ExportImageRpc(reference -> Optional.ofNullable(images.get(reference)), archives));
        server = AdminServer.start(socket, service.definition((rpc, code, nanos) -> { }), allowedUid);
        connection = AdminConnection.open(socket);
    }

    /** Serves this process's own user, with the default spool limits. */
    public static AdminFixture start(Path dir) throws IOException {
        return start(dir, ImportSpool.Limits.DEFAULT, Posix.euid());
    }

    public static AdminFixture start(Path dir, ImportSpool.Limits limits, int allowedUid) throws IOException {
        return new AdminFixture(dir, limits, allowedUid);
    }

    public AdminGrpc.AdminBlockingStub blocking() {
        return AdminGrpc.newBlockingStub(connection.channel());
    }

    public AdminGrpc.AdminStub async() {
        return AdminGrpc.newStub(connection.channel());
    }

    /** The spool files present now. */
    public List<Path> spooled() throws IOException {
        try (Stream<Path> files = Files.list(spoolDir)) {
            return files.toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        connection.close();
        server.stop(1);
    }
}
