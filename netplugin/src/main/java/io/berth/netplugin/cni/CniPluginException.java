package io.berth.netplugin.cni;

import java.io.IOException;

/** A CNI plugin failed: its type, the command, and the spec's error code and message. */
public final class CniPluginException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int code;

    CniPluginException(String type, String command, int code, String message) {
        super("CNI plugin " + type + " " + command + " failed (code " + code + "): " + message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
