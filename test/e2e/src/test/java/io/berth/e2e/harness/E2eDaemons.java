package io.berth.e2e.harness;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Owns every daemon and temp dir an e2e test class creates. Register it as a static field:
 * <pre>{@code @RegisterExtension static final E2eDaemons daemons = new E2eDaemons();}</pre>
 * What a test method starts is closed after that method; what {@code @BeforeAll} starts, after the class. When a
 * test fails, the logs of all daemons still open are printed, because a CRI failure is usually explained there.
 */
public final class E2eDaemons implements BeforeEachCallback, AfterTestExecutionCallback, AfterEachCallback,
        AfterAllCallback {

    private final Deque<AutoCloseable> classScoped = new ArrayDeque<>();
    private final Deque<AutoCloseable> testScoped = new ArrayDeque<>();
    private final List<ManagedDaemon> running = new ArrayList<>();
    private boolean inTest;
    private CriClient sharedClient;
    private BerthdProcess sharedBerthd;

    /** Starts a berthd owned by the current scope. */
    public BerthdProcess startBerthd(BerthdOptions options) {
        BerthdProcess berthd = BerthdProcess.start(options);
        own(berthd);
        return berthd;
    }

    public BerthdProcess startBerthd() {
        return startBerthd(BerthdOptions.defaults());
    }

    public ContainerdProcess startContainerd() {
        return startContainerd(ContainerdProcess.Pods.none());
    }

    public ContainerdProcess startContainerd(ContainerdProcess.Pods pods) {
        ContainerdProcess containerd = ContainerdProcess.start(pods);
        own(containerd);
        return containerd;
    }

    /** A temp dir removed (after unmounting anything inside) when the current scope ends. */
    public ScratchDir scratchDir(String prefix) {
        ScratchDir dir = ScratchDir.create(prefix);
        scope().push(dir);
        return dir;
    }

    /**
     * The runtime the API-behaviour tests talk to: the one named by {@code berth.e2e.endpoint} if set, otherwise a
     * berthd with default options started for this class. Call it from {@code @BeforeAll}.
     */
    public CriClient sharedEndpoint() {
        if (sharedClient == null) {
            Optional<Path> external = E2eSettings.externalEndpoint();
            if (external.isPresent()) {
                sharedClient = CriClient.connect(external.get());
                classScoped.push(sharedClient);
            } else {
                sharedBerthd = startBerthd();
                sharedClient = sharedBerthd.client();
            }
        }
        return sharedClient;
    }

    /** True when the shared endpoint is a berthd this suite started, so berth-only expectations apply. */
    public boolean sharedEndpointIsOwnBerthd() {
        return E2eSettings.externalEndpoint().isEmpty();
    }

    /** The berthd behind {@link #sharedEndpoint()}, unless the suite points at an external endpoint. */
    public Optional<BerthdProcess> sharedBerthd() {
        return Optional.ofNullable(sharedBerthd);
    }

    private void own(ManagedDaemon daemon) {
        running.add(daemon);
        scope().push(daemon);
    }

    private Deque<AutoCloseable> scope() {
        return inTest ? testScoped : classScoped;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        context.getExecutionException().ifPresent(failure -> printLogs(context));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        closeAll(testScoped);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        sharedClient = null;
        sharedBerthd = null;
        closeAll(classScoped);
    }

    private void printLogs(ExtensionContext context) {
        StringBuilder out = new StringBuilder();
        for (ManagedDaemon daemon : running) {
            out.append("\n======== ").append(context.getDisplayName()).append(" failed; log of ")
                    .append(daemon.describe()).append(" ========\n")
                    .append(daemon.logText());
        }
        if (!out.isEmpty()) {
            System.err.println(out);
        }
    }

    /** Closes newest first (a client before its daemon, a daemon before a dir it uses); reports every failure. */
    private void closeAll(Deque<AutoCloseable> resources) throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            } finally {
                if (resource instanceof ManagedDaemon daemon) {
                    running.remove(daemon);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
