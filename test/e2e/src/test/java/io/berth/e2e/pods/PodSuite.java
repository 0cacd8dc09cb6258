package io.berth.e2e.pods;

import io.berth.e2e.harness.E2eDaemons;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The life of a pods test class: one {@link PodTestbed} for the class, and after every test its pods removed
 * and the host checked for anything they left. Register it after {@link E2eDaemons} (with {@code @Order}), so
 * its after-callbacks run first.
 */
final class PodSuite implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final E2eDaemons daemons;
    private final String tag;
    private final int secondOctet;
    private final String[] extraConfigLines;
    private PodTestbed testbed;

    PodSuite(E2eDaemons daemons, String tag, int secondOctet, String... extraConfigLines) {
        this.daemons = daemons;
        this.tag = tag;
        this.secondOctet = secondOctet;
        this.extraConfigLines = extraConfigLines;
    }

    PodTestbed testbed() {
        return testbed;
    }

    PodCalls cri() {
        return testbed.cri();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        testbed = PodTestbed.start(daemons, tag, secondOctet, extraConfigLines);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        testbed.removeAllPods();
        testbed.assertNothingLeftOfAnyPod();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (testbed != null) {
            testbed.close();
        }
    }
}
