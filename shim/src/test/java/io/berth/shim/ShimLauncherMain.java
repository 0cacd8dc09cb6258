package io.berth.shim;

import io.berth.shim.api.ShimConfig;
import io.berth.shim.client.LaunchOptions;
import io.berth.shim.client.ShimClient;
import java.nio.file.Files;
import java.nio.file.Path;

/** Stands in for berthd in a separate JVM: launches one shim, prints its pid and exits. */
public final class ShimLauncherMain {
    private ShimLauncherMain() {}

    public static void main(String[] args) throws Exception {
        ShimConfig config = ShimConfig.parseFrom(Files.readAllBytes(Path.of(args[0])));
        ShimClient shim = ShimClient.launch(config, LaunchOptions.defaults());
        System.out.println(shim.shimPid());
    }
}
