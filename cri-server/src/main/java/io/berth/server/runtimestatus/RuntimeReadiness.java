package io.berth.server.runtimestatus;

import io.berth.server.config.BerthConfig;
import io.berth.server.config.RuntimeHandlerConfig;
import java.nio.file.Files;
/** RuntimeReady: the default OCI runtime can be run and berth's root is usable. */
public final class RuntimeReadiness {
    private final BerthConfig config;

    public RuntimeReadiness(BerthConfig config) {
        this.config = config;
    }

    public Condition check() {
        RuntimeHandlerConfig handler = config.defaultHandler();
        if (Executables.find(handler.binary()).isEmpty()) {
            return Condition.notReady("RuntimeBinaryMissing", "the OCI runtime '" + handler.binary()
                    + "' of the default handler '" + handler.name() + "' is not an executable on PATH;"
                    + " install it or set runtimes." + handler.name() + ".binary");
        }
        if (!Files.isWritable(config.root())) {
            return Condition.notReady("RootNotWritable", "berth's root " + config.root() + " is not writable");
        }
        return Condition.ok();
    }
}
