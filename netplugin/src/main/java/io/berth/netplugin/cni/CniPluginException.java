package io.berth.netplugin.cni;

import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.UnavailableException;
import java.io.IOException;

/** A CNI plugin failed: its type, the command, and the spec's error code and message. */
public final class CniPluginException extends IOException {
    private static final long serialVersionUID = 1L;
    /** Codes 1-7 of the CNI spec: version, field, container, environment, I/O, decoding, network config. */
    private static final int LAST_CONFIGURATION_CODE = 7;

    private final int code;

    CniPluginException(String type, String command, int code, String message) {
        super("CNI plugin " + type + " " + command + " failed (code " + code + "): " + message);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * What a CRI caller gets when set-up failed here: the failure is the plugin's, not berth's, so never
     * INTERNAL. The spec's codes 1-7 say the configuration or the call cannot work (FAILED_PRECONDITION);
     * "try again later" (11) and the plugins' own codes (an exhausted range, an unreachable datastore) may
     * pass (UNAVAILABLE). The plugin's message is kept whole.
     */
    BerthException forCaller() {
        String message = "pod network set-up failed: " + getMessage();
        return code >= 1 && code <= LAST_CONFIGURATION_CODE ? new FailedPreconditionException(message, this)
                : new UnavailableException(message, this);
    }
}
