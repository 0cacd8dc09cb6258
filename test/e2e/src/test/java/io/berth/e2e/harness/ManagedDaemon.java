package io.berth.e2e.harness;

/** A daemon a test started: the extension prints its log when a test fails and closes it afterwards. */
public interface ManagedDaemon extends AutoCloseable {

    /** e.g. "berthd pid 1234 (/tmp/berthd-…)" — enough to find its files after a failure. */
    String describe();

    String logText();

    /** Stops the process by pid if it still runs and removes its temp dirs. */
    @Override
    void close();
}
