package io.berth.e2e.streaming;

import java.util.List;

/**
 * The metav1.Status objects kubelet writes on the error stream (v4, v5), spelled out byte for byte as Go's
 * encoding/json writes them: kubectl parses them, and reads the exit code from the ExitCode cause.
 */
final class StatusJson {
    static final String SUCCESS = "{\"metadata\":{},\"status\":\"Success\"}";

    private StatusJson() {
    }

    /** A command that exited with {@code code}: kubelet's NonZeroExitCode status, in containerd's wording. */
    static String nonZeroExit(int code, List<String> cmd) {
        return "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code:"
                + " error executing command [" + escaped(String.join(" ", cmd)) + "], exit code " + code
                + "\",\"reason\":"
                + "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"" + code
                + "\"}]}}";
    }

    /** Quotes and backslashes as JSON escapes them; the tests' commands hold no other special characters. */
    private static String escaped(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
