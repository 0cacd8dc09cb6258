package io.berth.server.podnetwork;

import io.berth.netplugin.NetworkPlugin;
import io.berth.server.runtimestatus.Condition;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Starts the network plugin ({@link NetworkPlugin#start}: its host state rebuilt, networks no sandbox owns
 * released) and, while that fails, retries in the background with a doubling delay up to a cap. Until a start
 * succeeds, NetworkReady is false with the failure as its reason and message, and no pod network is set up:
 * kubelet waits for NetworkReady, and berth recovers on its own once the cause is fixed, without a restart.
 * Closing it stops the retries (berthd shutting down).
 */
public final class NetworkStartup implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NetworkStartup.class.getName());
    static final String REASON = "NetworkPluginStartFailed";
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    public static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final NetworkPlugin plugin;
    private final Supplier<Set<String>> livePods;
    private final Duration maxDelay;
    private final ScheduledThreadPoolExecutor retries;
    private Duration delay;
    private int attempts;
    private String lastCause;
    /** Null once the plugin has started; until then why it has not. */
    private volatile Condition failure = Condition.notReady(REASON, "the network plugin has not been started yet");

    private NetworkStartup(NetworkPlugin plugin, Supplier<Set<String>> livePods, Duration firstDelay,
            Duration maxDelay) {
        this.plugin = plugin;
        this.livePods = livePods;
        this.delay = firstDelay;
        this.maxDelay = maxDelay;
        retries = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "network-start-retry");
            t.setDaemon(true);
            return t;
        });
        retries.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * A startup not tried yet: NetworkReady is false until {@link #begin()}. {@code livePods} is asked at every
     * attempt: the ids of sandboxes whose network is attached.
     */
    public static NetworkStartup of(NetworkPlugin plugin, Supplier<Set<String>> livePods) {
        return of(plugin, livePods, FIRST_RETRY, MAX_RETRY);
    }

    static NetworkStartup of(NetworkPlugin plugin, Supplier<Set<String>> livePods, Duration firstDelay,
            Duration maxDelay) {
        return new NetworkStartup(plugin, livePods, firstDelay, maxDelay);
    }

    /** Tries once now, so that a working plugin is started before berth serves; a failure schedules the retries. */
    public void begin() {
        attempt();
    }

    /** Whether pods may get a network: the plugin has started. */
    public boolean started() {
        return failure == null;
    }

    /** NetworkReady while the plugin has not started; null once it has (then the plugin's own status counts). */
    public Condition failure() {
        return failure;
    }

    private synchronized void attempt() {
        if (retries.isShutdown()) {
            return;
        }
        attempts++;
        try {
            Set<String> live = livePods.get();
            plugin.start(live);
            failure = null;
            LOG.info("network plugin " + plugin.name() + " started" + (attempts > 1 ? " at attempt " + attempts : "")
                    + "; " + live.size() + " pod network(s) attached");
        } catch (Exception e) {
            String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            failure = Condition.notReady(REASON, "network plugin " + plugin.name() + " could not start (attempt "
                    + attempts + ", next in " + shortly(delay) + "): " + cause);
            if (!cause.equals(lastCause)) {
                // Logged when the cause changes, not at every retry; Status always has the latest.
                LOG.warning(failure.message());
                lastCause = cause;
            }
            try {
                retries.schedule(this::attempt, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                return;
            }
            delay = delay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : delay.multipliedBy(2);
        }
    }

    private static String shortly(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** Stops retrying; waits briefly for an attempt under way (it may be running plugin binaries). */
    @Override
    public void close() throws InterruptedException {
        retries.shutdownNow();
        if (!retries.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warning("a network plugin start attempt still runs after shutdown");
        }
    }
}
