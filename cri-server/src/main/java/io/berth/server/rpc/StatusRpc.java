package io.berth.server.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.berth.common.json.Mappers;
import io.berth.cri.v1.RuntimeCondition;
import io.berth.cri.v1.RuntimeFeatures;
import io.berth.cri.v1.RuntimeHandler;
import io.berth.cri.v1.RuntimeHandlerFeatures;
import io.berth.cri.v1.RuntimeStatus;
import io.berth.cri.v1.StatusRequest;
import io.berth.cri.v1.StatusResponse;
import io.berth.server.config.BerthConfig;
import io.berth.server.config.RuntimeHandlerConfig;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.podnetwork.PodCidr;
import io.berth.server.runtimestatus.Condition;
import io.berth.server.runtimestatus.HandlerFeatures;
import io.berth.server.runtimestatus.NetworkReadiness;
import io.berth.server.runtimestatus.RuntimeReadiness;
import java.util.LinkedHashMap;
import java.util.Map;

/** Status: the two conditions kubelet gates on, the handlers, and with verbose the effective config. */
public final class StatusRpc implements UnaryRpc<StatusRequest, StatusResponse> {

    private final BerthConfig config;
    private final RuntimeReadiness runtime;
    private final NetworkReadiness network;
    private final PodCidr podCidr;
    private final HandlerFeatures handlers;

    public StatusRpc(BerthConfig config, RuntimeReadiness runtime, NetworkReadiness network, PodCidr podCidr,
            HandlerFeatures handlers) {
        this.config = config;
        this.runtime = runtime;
        this.network = network;
        this.podCidr = podCidr;
        this.handlers = handlers;
    }

    @Override
    public StatusResponse call(StatusRequest request) throws JsonProcessingException {
        StatusResponse.Builder out = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(condition("RuntimeReady", runtime.check()))
                        .addConditions(condition("NetworkReady", network.check())))
                // Strict and Merge are both applied (UserResolver); mount options are applied to bind mounts
                // (MountPlanner). User namespaces are not built, so kubelet must not send them.
                .setFeatures(RuntimeFeatures.newBuilder()
                        .setSupplementalGroupsPolicy(true)
                        .setUserNamespacesHostNetwork(false)
                        .setMountOptions(true));
        // The empty name is the default handler, as kubelet expects to find it.
        out.addRuntimeHandlers(handler(""));
        for (RuntimeHandlerConfig h : config.runtimes().values()) {
            out.addRuntimeHandlers(handler(h.name()));
        }
        if (request.getVerbose()) {
            out.putInfo("config", Mappers.plain().writeValueAsString(effectiveConfig()));
        }
        return out.build();
    }

    private static RuntimeCondition condition(String type, Condition c) {
        return RuntimeCondition.newBuilder()
                .setType(type)
                .setStatus(c.ready())
                .setReason(c.reason())
                .setMessage(c.message())
                .build();
    }

    private RuntimeHandler handler(String name) {
        return RuntimeHandler.newBuilder()
                .setName(name)
                .setFeatures(RuntimeHandlerFeatures.newBuilder()
                        .setRecursiveReadOnlyMounts(handlers.recursiveReadOnly(name))
                        .setUserNamespaces(false))
                .build();
    }

    private Map<String, Object> effectiveConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("root", config.root().toString());
        m.put("state", config.state().toString());
        m.put("socket", config.socket().toString());
        m.put("log_level", config.logLevel());
        m.put("shutdown_grace_seconds", config.shutdownGraceSeconds());
        m.put("cgroup_driver", config.cgroupDriver().configName());
        m.put("default_runtime", config.defaultRuntime());
        Map<String, Object> runtimes = new LinkedHashMap<>();
        config.runtimes().forEach((name, h) -> runtimes.put(name, Map.of("binary", h.binary())));
        m.put("runtimes", runtimes);
        m.put("pod_cidr", String.join(",", podCidr.current()));
        Map<String, Object> net = new LinkedHashMap<>();
        net.put("plugin", config.network().plugin());
        net.put("bridge", config.network().bridge());
        net.put("subnet", config.network().subnet());
        net.put("ipv6_subnet", config.network().ipv6Subnet().orElse(""));
        net.put("mtu", config.network().mtu());
        net.put("allow_egress", config.network().allowEgress());
        net.put("cni_conf_dir", config.network().cniConfDir().toString());
        net.put("cni_bin_dirs", config.network().cniBinDirs().stream().map(Object::toString).toList());
        m.put("network", net);
        return m;
    }
}
