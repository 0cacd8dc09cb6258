package io.berth.netplugin;

/** NetworkReady as a plugin sees it; the reason is a CamelCase word as kubelet shows it. */
public record PluginStatus(boolean ready, String reason, String message) {
    public static PluginStatus ok() {
        return new PluginStatus(true, "", "");
    }

    public static PluginStatus notReady(String reason, String message) {
        return new PluginStatus(false, reason, message);
    }
}
