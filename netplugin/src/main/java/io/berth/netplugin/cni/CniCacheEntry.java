package io.berth.netplugin.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What DEL needs after a restart, written before ADD runs: the network list exactly as ADD saw it (a
 * changed conf dir must not change what DEL runs), the CNI parameters, the runtimeConfig and the final
 * result once ADD finished (null while it runs, or when it crashed).
 */
public record CniCacheEntry(String podId, String networkName, String cniVersion, List<JsonNode> plugins,
        String netns, String ifName, String cniArgs, JsonNode runtimeConfig, List<String> portMappings,
        JsonNode result) {
    public CniCacheEntry {
        plugins = List.copyOf(plugins);
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    }

    CniCacheEntry withResult(JsonNode newResult) {
        return new CniCacheEntry(podId, networkName, cniVersion, plugins, netns, ifName, cniArgs, runtimeConfig,
                portMappings, newResult);
    }
}
