package io.berth.server.streaming.exec;

import java.util.List;

/**
 * How an exec or attach ended, as the Kubernetes {@code metav1.Status} kubelet writes on the error stream.
 * {@link #json()} is byte for byte what Go's {@code json.Marshal} gives for that Status (field order,
 * omitted empty fields, Go's escaping), because clients compare and parse it.
 */
public final class ExitStatus {
    /** What kubectl reads as the exit code: {@code details.causes[].reason == "ExitCode"}. */
    private static final String EXIT_CODE_CAUSE = "ExitCode";
    private static final String NON_ZERO_EXIT_CODE_REASON = "NonZeroExitCode";

    private final boolean success;
    private final String message;
    private final String reason;
    private final String causeReason;
    private final String causeMessage;
    private final int code;

    private ExitStatus(boolean success, String message, String reason, String causeReason, String causeMessage,
            int code) {
        this.success = success;
        this.message = message;
        this.reason = reason;
        this.causeReason = causeReason;
        this.causeMessage = causeMessage;
        this.code = code;
    }

    public static ExitStatus success() {
        return new ExitStatus(true, "", "", null, null, 0);
    }

    /** A command that exited non-zero; the wording is containerd's, inside kubelet's. */
    public static ExitStatus nonZeroExit(int exitCode, List<String> cmd) {
        String err = "error executing command " + goList(cmd) + ", exit code " + exitCode;
        return new ExitStatus(false, "command terminated with non-zero exit code: " + err,
                NON_ZERO_EXIT_CODE_REASON, EXIT_CODE_CAUSE, Integer.toString(exitCode), 0);
    }

    /** A failure of berth rather than of the command: kubelet's {@code NewInternalError}. */
    public static ExitStatus internalError(String err) {
        return new ExitStatus(false, "Internal error occurred: " + err, "InternalError", "", err, 500);
    }

    public boolean isSuccess() {
        return success;
    }

    /** The v1–v3 error stream text: the message of a failure, nothing for success. */
    public String text() {
        return success ? "" : message;
    }

    /** The v4/v5 error stream payload. */
    public String json() {
        StringBuilder out = new StringBuilder("{\"metadata\":{}");
        out.append(",\"status\":").append(quote(success ? "Success" : "Failure"));
        if (!message.isEmpty()) {
            out.append(",\"message\":").append(quote(message));
        }
        if (!reason.isEmpty()) {
            out.append(",\"reason\":").append(quote(reason));
        }
        if (causeMessage != null) {
            out.append(",\"details\":{\"causes\":[{");
            boolean comma = false;
            if (!causeReason.isEmpty()) {
                out.append("\"reason\":").append(quote(causeReason));
                comma = true;
            }
            if (!causeMessage.isEmpty()) {
                out.append(comma ? "," : "").append("\"message\":").append(quote(causeMessage));
            }
            out.append("}]}");
        }
        if (code != 0) {
            out.append(",\"code\":").append(code);
        }
        return out.append('}').toString();
    }

    /** Go's {@code %v} of a string slice: {@code [sh -c exit 3]}. */
    private static String goList(List<String> items) {
        return "[" + String.join(" ", items) + "]";
    }

    /** A JSON string the way encoding/json writes it, including its HTML-safe escapes. */
    public static String goQuote(String s) {
        return quote(s);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
