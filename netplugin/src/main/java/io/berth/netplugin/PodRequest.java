package io.berth.netplugin;

import java.nio.file.Path;
import java.util.List;

/**
 * What a plugin needs to attach one pod: its id, its Kubernetes identity (for CNI_ARGS), the pinned
 * network namespace, the validated port mappings and DNS settings (for CNI's runtimeConfig).
 */
public record PodRequest(
        String id,
        String namespace,
        String name,
        String uid,
        Path netns,
        List<HostPortMapping> portMappings,
        DnsSettings dns) {

    public PodRequest {
        portMappings = List.copyOf(portMappings);
        dns = dns == null ? DnsSettings.NONE : dns;
    }

    /** DNS as kubelet hands it over; passed to CNI plugins that declare the "dns" capability. */
    public record DnsSettings(List<String> servers, List<String> searches, List<String> options) {
        public static final DnsSettings NONE = new DnsSettings(List.of(), List.of(), List.of());

        public DnsSettings {
            servers = List.copyOf(servers);
            searches = List.copyOf(searches);
            options = List.copyOf(options);
        }
    }
}
