package io.berth.netplugin.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.error.BerthException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.io.AtomicFiles;
import io.berth.common.json.VersionedJson;
import io.berth.common.validate.Require;
import io.berth.netplugin.HostPortMapping;
import io.berth.netplugin.HostPorts;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.PluginStatus;
import io.berth.netplugin.PodAttachment;
import io.berth.netplugin.PodRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Runs the CNI plugins of the first configuration in the conf dir, per the CNI 1.0 spec: ADD in order with
 * each result as the next plugin's {@code prevResult}, DEL in reverse with the cached result, CHECK with it.
 * Capabilities a plugin declares get their {@code runtimeConfig} (portMappings, dns). CNI_ARGS carries the
 * K8S_POD_* keys kubelet sets, so plugins written for Kubernetes find the pod.
 */
public final class CniPlugin implements NetworkPlugin {
    private static final Logger LOG = Logger.getLogger(CniPlugin.class.getName());
    private static final int CACHE_VERSION = 1;
    static final String IFNAME = "eth0";

    private final Path confDir;
    private final CniExec exec;
    private final Path cacheDir;
    private final Object portLock = new Object();

    public CniPlugin(Path confDir, List<Path> binDirs, Path stateDir) {
        this.confDir = confDir;
        this.exec = new CniExec(binDirs);
        this.cacheDir = stateDir.resolve("results");
    }

    @Override
    public String name() {
        return "cni";
    }

    @Override
    public PluginStatus status() {
        try {
            findBinaries(CniNetwork.loadFirst(confDir));
            return PluginStatus.ok();
        } catch (BerthException | IOException e) {
            return PluginStatus.notReady("NetworkPluginNotReady", "cni: " + e.getMessage());
        }
    }

    @Override
    public void start(Set<String> livePodIds) throws IOException {
        // A berthd killed while writing a cache entry left its temp file; nothing else removes it.
        AtomicFiles.removeLeftovers(cacheDir);
        for (CniCacheEntry e : entries()) {
            if (!livePodIds.contains(e.podId())) {
                LOG.info("running CNI DEL for pod " + e.podId() + ": its sandbox is gone");
                tearDown(e.podId());
            }
        }
    }

    @Override
    public PodAttachment setUp(PodRequest pod) throws IOException {
        CniNetwork net = CniNetwork.loadFirst(confDir);
        findBinaries(net);
        CniCacheEntry entry = new CniCacheEntry(pod.id(), net.name(), net.cniVersion(),
                List.copyOf(net.plugins()), pod.netns().toString(), IFNAME, cniArgs(pod), runtimeConfig(pod), 
                pod.portMappings().stream().map(CniPlugin::encode).toList(), null);
        synchronized (portLock) {
            Map<String, List<HostPortMapping>> taken = new HashMap<>();
            for (CniCacheEntry other : entries()) {
                taken.put(other.podId(), other.portMappings().stream().map(CniPlugin::decode).toList());
            }
            HostPorts.checkFree(pod.id(), pod.portMappings(), taken);
            write(entry);
        }
        try {
            JsonNode result = null;
            for (int i = 0; i < entry.plugins().size(); i++) {
                ObjectNode config = config(entry, i, result);
                JsonNode out = exec.run(type(entry, i), "ADD", pod.id(), entry.netns(), IFNAME, entry.cniArgs(), config);
                if (out == null) {
                    throw new IOException("CNI plugin " + type(entry, i) + " ADD printed no result");
                }
                result = out;
            }
            write(entry.withResult(result));
            return new PodAttachment(ips(result));
        } catch (IOException | RuntimeException e) {
            undoSetUp(pod.id(), e);
            if (e instanceof CniPluginException plugin) {
                throw plugin.forCaller();
            }
            throw e;
        }
    }

    @Override
    public void tearDown(String podId) throws IOException {
        CniCacheEntry entry = read(podId);
        if (entry == null) {
            return;
        }
        IOException failure = null;
        for (int i = entry.plugins().size() - 1; i >= 0; i--) {
            try {
                exec.run(type(entry, i), "DEL", podId, entry.netns(), entry.ifName(), entry.cniArgs(),
                        config(entry, i, entry.result()));
            } catch (IOException e) {
                // Keep going: every plugin gets its DEL, and the cache stays so that a retry runs them again.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        Files.deleteIfExists(file(podId));
    }

    @Override
    public void check(String podId) throws IOException {
        CniCacheEntry entry = read(podId);
        if (entry == null || entry.result() == null) {
            throw new NotFoundException("pod " + podId + " has no CNI result to check");
        }
        for (int i = 0; i < entry.plugins().size(); i++) {
            exec.run(type(entry, i), "CHECK", podId, entry.netns(), entry.ifName(), entry.cniArgs(),
                    config(entry, i, entry.result()));
        }
    }

    /** Every binary the chain runs, IPAM plugins included, or a FailedPrecondition naming the first missing. */
    private void findBinaries(CniNetwork net) {
        for (int i = 0; i < net.plugins().size(); i++) {
            net.binaries(i).forEach(exec::find);
        }
    }

    private static ObjectNode config(CniCacheEntry entry, int i, JsonNode prevResult) {
        ObjectNode c = entry.plugins().get(i).deepCopy();
        c.put("name", entry.networkName());
        c.put("cniVersion", entry.cniVersion());
        if (prevResult != null) {
            c.set("prevResult", prevResult);
        }
        ObjectNode rc = CniNetwork.JSON.createObjectNode();
        JsonNode caps = entry.plugins().get(i).path("capabilities");
        for (Map.Entry<String, JsonNode> f : entry.runtimeConfig().properties()) {
            if (caps.path(f.getKey()).asBoolean(false)) {
                rc.set(f.getKey(), f.getValue());
            }
        }
        if (!rc.isEmpty()) {
            c.set("runtimeConfig", rc);
        }
        return c;
    }

    private static String type(CniCacheEntry entry, int i) {
        return entry.plugins().get(i).path("type").asText();
    }

    static JsonNode runtimeConfig(PodRequest pod) {
        ObjectNode rc = CniNetwork.JSON.createObjectNode();
        ArrayNode ports = rc.putArray("portMappings");
        for (HostPortMapping m : pod.portMappings()) {
            ObjectNode p = ports.addObject();
            p.put("hostPort", m.hostPort());
            p.put("containerPort", m.containerPort());
            p.put("protocol", m.protocol().lower());
            if (!m.anyHostIp()) {
                p.put("hostIP", m.hostIp());
            }
        }
        ObjectNode dns = rc.putObject("dns");
        pod.dns().servers().forEach(dns.putArray("servers")::add);
        pod.dns().searches().forEach(dns.putArray("searches")::add);
        pod.dns().options().forEach(dns.putArray("options")::add);
        return rc;
    }

    /** CNI_ARGS as kubelet builds it; values that could forge another key are refused. */
    static String cniArgs(PodRequest pod) {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + arg(pod.namespace(), "metadata.namespace")
                + ";K8S_POD_NAME=" + arg(pod.name(), "metadata.name")
                + ";K8S_POD_INFRA_CONTAINER_ID=" + arg(pod.id(), "id")
                + ";K8S_POD_UID=" + arg(pod.uid(), "metadata.uid");
    }

    private static String arg(String value, String field) {
        if (!value.matches("[A-Za-z0-9_.:-]*")) {
            throw new InvalidArgumentException("config." + field + " '" + Require.printable(value)
                    + "' cannot be passed to CNI plugins: use letters, digits, '-', '_', '.', ':'");
        }
        return value;
    }

    /** Pod addresses from a CNI result, IPv4 first, without prefix length. */
    static List<String> ips(JsonNode result) {
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (JsonNode ip : result.path("ips")) {
            String a = ip.path("address").asText("");
            if (a.contains("/")) {
                a = a.substring(0, a.indexOf('/'));
                (a.contains(":") ? v6 : v4).add(a);
            }
        }
        v4.addAll(v6);
        return v4;
    }

    private static String encode(HostPortMapping m) {
        return m.protocol().name() + ":" + m.containerPort() + ":" + m.hostPort() + ":" + m.hostIp();
    }

    private static HostPortMapping decode(String s) {
        String[] p = s.split(":", 4);
        return HostPortMapping.of(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2]), p[3], "cached port mapping");
    }

    private List<CniCacheEntry> entries() throws IOException {
        List<CniCacheEntry> out = new ArrayList<>();
        if (!Files.isDirectory(cacheDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(cacheDir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                try {
                    out.add(VersionedJson.read(f, CniCacheEntry.class, CACHE_VERSION));
                } catch (NoSuchFileException raced) {
                    // deleted by a concurrent DEL
                }
            }
        }
        return out;
    }

    private CniCacheEntry read(String podId) throws IOException {
        try {
            return VersionedJson.read(file(podId), CniCacheEntry.class, CACHE_VERSION);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void write(CniCacheEntry entry) throws IOException {
        VersionedJson.write(file(entry.podId()), CACHE_VERSION, entry);
    }

    private Path file(String podId) {
        if (!podId.matches("[A-Za-z0-9_.-]{1,128}") || podId.startsWith(".")) {
            throw new IllegalArgumentException("pod id '" + podId + "' cannot name a cache file");
        }
        return cacheDir.resolve(podId + ".json");
    }
}
