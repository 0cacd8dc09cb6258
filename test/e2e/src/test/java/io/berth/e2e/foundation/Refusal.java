package io.berth.e2e.foundation;

import io.berth.e2e.harness.CommandResult;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berthd's way of refusing to start: a given exit code and exactly one stderr line starting with {@code berthd: }
 * that says what and where — the line a person reads in `systemctl status` — and no stack trace.
 */
final class Refusal {

    private Refusal() {
    }

    /** Asserts the refusal and returns its one line, for further checks. */
    static String assertRefused(CommandResult result, int exitCode, String... mentions) {
        assertThat(result.exitCode()).as("exit code of %s", result).isEqualTo(exitCode);
        List<String> reasons = result.stderrLines().stream().filter(line -> line.startsWith("berthd: ")).toList();
        assertThat(reasons).as("stderr lines starting with `berthd: ` in %s", result).hasSize(1);
        assertThat(result.stderr()).as("stderr of %s", result)
                .doesNotContain("\tat ")
                .doesNotContain("Exception in thread");
        String reason = reasons.get(0);
        for (String mention : mentions) {
            assertThat(reason).as("the one-line reason").contains(mention);
        }
        return reason;
    }
}
