package io.berth.server.podnetwork;

import io.berth.common.error.FailedPreconditionException;
import io.berth.cri.v1.DNSConfig;
import io.berth.cri.v1.PodSandboxConfig;
import io.berth.cri.v1.PortMapping;
import io.berth.netplugin.HostPortMapping;
import io.berth.netplugin.NetworkPlugin;
import io.berth.netplugin.PluginStatus;
import io.berth.netplugin.PodRequest;
import io.berth.server.runtimestatus.Condition;
import io.berth.server.runtimestatus.NetworkReadiness;
import io.berth.server.sandbox.PodNetwork;
import io.berth.server.sandbox.SandboxMetadata;
import java.util.ArrayList;
import java.util.List;
/**
 * The sandbox's {@link PodNetwork} over a {@link NetworkPlugin}: turns the CRI pod config into a plugin
 * request (port mappings validated field by field) and the plugin's status into NetworkReady. Until the plugin
 * has started, NetworkReady says why it has not and no pod network is set up (a start that succeeds later
 * would release a network it does not know a sandbox for); tear-downs always go through.
 */
public final class PluginPodNetwork implements PodNetwork, NetworkReadiness {
    private final NetworkPlugin plugin;
    private final NetworkStartup startup;

    public PluginPodNetwork(NetworkPlugin plugin, NetworkStartup startup) {
        this.plugin = plugin;
        this.startup = startup;
    }

    @Override
    public List<String> setUp(SandboxMetadata sandbox) throws Exception {
        Condition notStarted = startup.failure();
        if (notStarted != null) {
            throw new FailedPreconditionException("pod network is not ready (" + notStarted.reason() + "): "
                    + notStarted.message());
        }
        return plugin.setUp(request(sandbox)).ips();
    }

    @Override
    public void tearDown(SandboxMetadata sandbox) throws Exception {
        plugin.tearDown(sandbox.id());
    }

    @Override
    public Condition check() {
        Condition notStarted = startup.failure();
        if (notStarted != null) {
            return notStarted;
        }
        PluginStatus s = plugin.status();
        return s.ready() ? Condition.ok() : Condition.notReady(s.reason(), s.message());
    }

    static PodRequest request(SandboxMetadata sandbox) {
        PodSandboxConfig pod = sandbox.config();
        List<HostPortMapping> ports = new ArrayList<>();
        for (int i = 0; i < pod.getPortMappingsCount(); i++) {
            PortMapping m = pod.getPortMappings(i);
            if (m.getHostPort() == 0) {
                continue; // a containerPort without a hostPort: nothing to map, as in kubelet
            }
            ports.add(HostPortMapping.of(m.getProtocol().name(), m.getContainerPort(), m.getHostPort(), m.getHostIp(),
                    "config.port_mappings[" + i + "]"));
        }
        DNSConfig dns = pod.getDnsConfig();
        return new PodRequest(sandbox.id(), pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid(), sandbox.paths().netns(), ports,
                new PodRequest.DnsSettings(dns.getServersList(), dns.getSearchesList(), dns.getOptionsList()));
    }
}
