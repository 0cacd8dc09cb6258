package io.berth.server.runtimestatus;

/** One readiness fact about the runtime: a CRI RuntimeCondition before it is put on the wire. */
public record Condition(boolean ready, String reason, String message) {
    public static Condition ok() {
        return new Condition(true, "", "");
    }

    public static Condition notReady(String reason, String message) {
        return new Condition(false, reason, message);
    }
}
