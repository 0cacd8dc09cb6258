package io.berth.e2e.harness;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips every e2e test class unless the tests run as root. Registered for the whole module through JUnit's
 * extension auto-detection (see junit-platform.properties), so that no class can forget it.
 */
public final class RootOnly implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        E2eSettings.assumeRoot();
    }
}
