package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DefaultConfigTest {
    /** A key line, live or commented out: {@code key = value} or {@code # key = value}. */
    private static final Pattern KEY_LINE = Pattern.compile("(# ?)?[a-z0-9_]+ = .*");
    /** A table header commented out along with its keys: {@code # [runtimes.crun]}. */
    private static final Pattern COMMENTED_HEADER = Pattern.compile("# ?(\\[.*])");

    private final String text = DefaultConfig.text();

    @Test
    void theDefaultConfigLoadsToExactlyTheDefaults() {
        assertThat(ConfigLoader.check(text)).isEmpty();
        assertThat(ConfigLoader.parse(text, "default-config.toml")).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void everyKeyBerthdKnowsIsInTheDefaultConfigSetOrCommentedOut() {
        assertThat(ConfigSchema.keys()).contains("root", "runtimes.*.binary", "network.ipv6_subnet",
                "streaming.tls_key_file", "shim.memory_limit_bytes");
        assertThat(SchemaKeys.missingFrom(uncommented(text))).isEmpty();
    }

    @Test
    void theKeysCommentedOutAreValidExamples() {
        assertThat(ConfigLoader.check(uncommented(text))).isEmpty();
        assertThat(SchemaKeys.missingFrom(text)).containsExactlyInAnyOrder("network.ipv6_subnet",
                "streaming.tls_cert_file", "streaming.tls_key_file");
    }

    @Test
    void everyKeyHasACommentLineSayingWhatItDoes() {
        String[] lines = text.split("\n");
        List<String> undocumented = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (KEY_LINE.matcher(lines[i]).matches() && (i == 0 || !isProse(lines[i - 1]))) {
                undocumented.add((i + 1) + ": " + lines[i]);
            }
        }
        assertThat(undocumented).isEmpty();
    }

    private static boolean isProse(String line) {
        return line.startsWith("# ") && !KEY_LINE.matcher(line).matches()
                && !COMMENTED_HEADER.matcher(line).matches();
    }

    private static String uncommented(String toml) {
        StringBuilder out = new StringBuilder();
        for (String line : toml.split("\n", -1)) {
            boolean example = line.startsWith("#") && (KEY_LINE.matcher(line).matches()
                    || COMMENTED_HEADER.matcher(line).matches());
            out.append(example ? line.replaceFirst("^# ?", "") : line).append('\n');
        }
        return out.toString();
    }
}
