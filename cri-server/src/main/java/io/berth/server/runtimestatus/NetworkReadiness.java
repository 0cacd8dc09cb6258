package io.berth.server.runtimestatus;


/** NetworkReady: whether pods can get a network. Supplied by the network plugin once one is configured. */
@FunctionalInterface
public interface NetworkReadiness {
    Condition check();

    /** The state before berth has a network plugin: kubelet must not schedule pod-network pods here. */
    static NetworkReadiness noPlugin() {
        return () -> Condition.notReady("NetworkPluginNotReady",
                "berth has no pod network plugin in this build; only host-network pods could run");
    }
}
