package io.berth.server.container.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** An in-memory host: the paths that exist, the device nodes, and readable files. */
final class FakeHostFilesystem implements HostFilesystem {
    final Set<String> paths = new HashSet<>();
    final Map<String, DeviceNode> devices = new HashMap<>();
    final List<DeviceNode> hostDevices = new ArrayList<>();
    final Map<String, byte[]> files = new HashMap<>();

    FakeHostFilesystem withPaths(String... p) {
        paths.addAll(List.of(p));
        return this;
    }

    FakeHostFilesystem withDevice(DeviceNode d) {
        devices.put(d.path(), d);
        paths.add(d.path());
        return this;
    }

    FakeHostFilesystem withFile(String path, String content) {
        files.put(path, content.getBytes(StandardCharsets.UTF_8));
        paths.add(path);
        return this;
    }

    @Override
    public boolean exists(String path) {
        return paths.contains(path);
    }

    @Override
    public Optional<DeviceNode> device(String path) {
        return Optional.ofNullable(devices.get(path));
    }

    @Override
    public List<DeviceNode> hostDevices() {
        return hostDevices;
    }

    @Override
    public Optional<byte[]> readFile(String path, int maxBytes) throws IOException {
        byte[] b = files.get(path);
        if (b != null && b.length > maxBytes) {
            throw new IOException("larger than " + maxBytes + " bytes");
        }
        return Optional.ofNullable(b);
    }
}
