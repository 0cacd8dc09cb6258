package io.berth.e2e.critest;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.critest.CritestReport.Outcome;
import io.berth.e2e.critest.CritestReport.Spec;
import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.harness.BerthdOptions;
import io.berth.e2e.harness.BerthdProcess;
import io.berth.e2e.harness.GoTools;
import io.berth.e2e.harness.E2eDaemons;
import io.berth.e2e.harness.E2eSettings;
import io.berth.e2e.harness.ScratchDir;
import io.berth.e2e.harness.TestBridge;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * critest, the CRI validation suite containerd and CRI-O run in their CI (cri-tools, the version pinned in
 * {@code test/tools}), against the packaged berthd. Its images come from the local Debian registry through
 * hosts.toml mirrors for the upstream registries. Every spec must pass except the named skips below, each of
 * which the README lists with its reason; a spec that critest skips for any other reason fails this test.
 */
class CritestE2eTest {
    /** The report and log stay here for whoever reads a CI run. */
    private static final Path OUT = Path.of("target", "critest");

    /** What cannot run here, by spec name (a regular expression over it), and why. */
    static final Map<String, String> SKIPS = skips(
            "public image with digest should be pulled and removed",
            "pulls upstream's image by its exact manifest digest, which no image built here can have",
            "^\\[k8s\\.io\\] AppArmor ",
            "this host's kernel has no AppArmor",
            "^\\[k8s\\.io\\] NRI ",
            "berth does not serve the Node Resource Interface (an extension of containerd and CRI-O, not part of the CRI)",
            "^\\[k8s\\.io\\] Security Context UserNamespaces ",
            "berth does not build user namespaces yet (runc 1.1 here has no idmapped mounts) and reports"
                    + " user_namespaces false for every handler",
            " benchmark about ",
            "critest runs its benchmarks only with -benchmark; CritestComparison runs them against berthd and"
                    + " containerd");

    @RegisterExtension
    static final E2eDaemons daemons = new E2eDaemons();

    @Test
    void everySpecPassesExceptTheNamedSkips() throws Exception {
        E2eSettings.assumeRoot();
        E2eSettings.assumeOwnBerthd();
        Path critest = GoTools.critest();
        ScratchDir scratch = daemons.scratchDir("critest-");
        try (RegistryProcess registry = RegistryProcess.start(scratch.resolve("registry"));
                TestBridge bridge = TestBridge.reserve("bct", 229)) {
            CritestImages.pushAll(URI.create(registry.url()));
            Path etc = CritestRun.mirrors(scratch.resolve("etc-berth"), registry.host());
            BerthdProcess berthd = daemons.startBerthd(BerthdOptions.defaults().withConfig(
                    "[image]\nregistry_config_dir = \"" + etc + "\"\n" + bridge.config()));
            CritestReport report = CritestRun.conformance(critest, berthd.socket(), OUT, skipPattern());
            System.out.println(report.summary());
            report.with(Outcome.SKIPPED).forEach(s -> System.out.println("critest skipped: " + s.name() + " ("
                    + s.message().lines().findFirst().orElse("") + ")"));

            List<Spec> failed = report.with(Outcome.FAILED);
            assertThat(failed).as("critest specs that failed against berthd:\n%s", CritestReport.describe(failed))
                    .isEmpty();
            List<Spec> unnamed = report.with(Outcome.SKIPPED).stream()
                    .filter(s -> SKIPS.keySet().stream().noneMatch(p -> Pattern.compile(p).matcher(s.name()).find()))
                    .toList();
            assertThat(unnamed).as("specs skipped without a named reason (critest skips a spec when the runtime"
                    + " lacks what it tests):\n%s", CritestReport.describe(unnamed)).isEmpty();
            // A guard against a run that selected next to nothing (a bad skip pattern, a renamed suite).
            assertThat(report.with(Outcome.PASSED)).as("specs that passed").hasSizeGreaterThan(90);
        }
    }

    static String skipPattern() {
        return String.join("|", SKIPS.keySet());
    }

    private static Map<String, String> skips(String... patternsAndReasons) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < patternsAndReasons.length; i += 2) {
            m.put(patternsAndReasons[i], patternsAndReasons[i + 1]);
        }
        return m;
    }
}
