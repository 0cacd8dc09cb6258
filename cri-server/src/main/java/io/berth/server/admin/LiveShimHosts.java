package io.berth.server.admin;

import io.berth.admin.v1.ShimHost;
import io.berth.shim.HostDir;
import io.berth.shim.api.HostInfo;
import io.berth.shim.client.ShimHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hosts of {@link ShimHosts}, each asked who it is. A host that hangs is exactly what an operator runs
 * Health to find, so each question is bounded in time and its failure is reported, not thrown.
 */
public final class LiveShimHosts implements ShimHostFacts {
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);

    private final ShimHosts hosts;

    public LiveShimHosts(ShimHosts hosts) {
        this.hosts = hosts;
    }

    @Override
    public List<ShimHost> list() {
        List<ShimHost> out = new ArrayList<>();
        for (Map.Entry<String, HostDir> e : hosts.hosts().entrySet()) {
            Optional<Integer> livePid = hosts.hostPid(e.getKey());
            out.add(describe(e.getKey(), e.getValue(), livePid));
        }
        return out;
    }

    static ShimHost describe(String group, HostDir dir, Optional<Integer> livePid) {
        ShimHost.Builder host = ShimHost.newBuilder()
                .setGroup(group)
                .setDir(dir.path().toString())
                .setAlive(livePid.isPresent())
                .setPid(livePid.orElseGet(() -> recordedPid(dir)));
        if (livePid.isEmpty()) {
            return host.setError("the host process is gone").build();
        }
        try {
            HostInfo info = ShimHostProbe.ask(dir.socket(), ANSWER_TIMEOUT);
            host.setBuild(info.getBuild()).setContainers(info.getContainers());
        } catch (IOException e) {
            host.setError(e.getMessage());
        }
        return host.build();
    }

    /** The pid a dead host left in its pid file, which tells an operator what to look for in the logs. */
    private static int recordedPid(HostDir dir) {
        try {
            return Integer.parseInt(Files.readString(dir.pid(), StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
