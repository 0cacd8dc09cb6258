package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TomlReaderTest {
    @Test
    void readsTablesKeysAndEveryKindOfValue() throws Exception {
        Map<String, Object> doc = TomlReader.read(String.join("\n",
                "# a comment",
                "root = \"/srv/berth\"  # trailing comment",
                "shutdown_grace_seconds = 1_000",
                "site.\"name.with.dots\" = 'literal \\n'",
                "",
                "[network]",
                "allow_egress = true",
                "mtu = 0x5dc",
                "ratio = -1.5e3",
                "cni_bin_dirs = [",
                "  \"/opt/cni/bin\",  # first",
                "  '/usr/lib/cni',",
                "]",
                "when = 1979-05-27 07:32:00Z",
                "",
                "[runtimes.crun]",
                "binary = \"/usr/bin/\\u0063run\"",
                "[runtimes.kata]",
                "inline = { a = 1, b.c = \"x\" }",
                "[[hooks]]",
                "n = 1",
                "[[hooks]]",
                "n = 2",
                "[hooks.extra]",
                "k = false",
                "big = 99999999999999999999",
                "text = \"\"\"",
                "one \\",
                "    two\"\"\"\"",
                ""));

        assertThat(doc).containsEntry("root", "/srv/berth").containsEntry("shutdown_grace_seconds", 1000L);
        assertThat(doc.get("site")).isEqualTo(Map.of("name.with.dots", "literal \\n"));
        assertThat(doc.get("network")).isEqualTo(Map.of("allow_egress", true, "mtu", 1500L, "ratio", -1500.0,
                "cni_bin_dirs", List.of("/opt/cni/bin", "/usr/lib/cni"),
                "when", new TomlReader.DateTime("1979-05-27 07:32:00Z")));
        assertThat(doc.get("runtimes")).isEqualTo(Map.of("crun", Map.of("binary", "/usr/bin/crun"),
                "kata", Map.of("inline", Map.of("a", 1L, "b", Map.of("c", "x")))));
        assertThat(doc.get("hooks")).isEqualTo(List.of(Map.of("n", 1L), Map.of("n", 2L, "extra",
                Map.of("k", false, "big", new BigInteger("99999999999999999999"), "text", "one two\""))));
        assertThat(List.copyOf(doc.keySet())).containsExactly("root", "shutdown_grace_seconds", "site", "network",
                "runtimes", "hooks");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a = = 1                      | 1 | expected a value, found '='",
        "a = 1 b = 2                  | 1 | unexpected 'b' after a value; one key = value per line",
        "x = 1\\na = \"open           | 2 | a string is not closed on its line",
        "a = \"\\q\"                  | 1 | \\q is not a valid escape",
        "a = bare                     | 1 | 'bare' is not a TOML value (strings need quotes)",
        "a = 1\\na = 2                | 2 | key 'a' is defined twice",
        "[t]\\n[t]                    | 2 | table [t] is defined twice",
        "a = 1\\n[a]                  | 2 | table [a] is defined twice",
        "a = 1\\na.b = 2              | 2 | key 'a.b' extends 'a', which is already a value",
        "t = {x = 1}\\n[t]            | 2 | table [t] is defined twice",
        "a = [1 2]                    | 1 | expected ',' or ']' in an array",
        "[t                           | 1 | the table header [t is not closed with ]",
        "a = 0x_1                     | 1 | '0x_1' is not a valid integer",
        "= 1                          | 1 | expected a key, found '='",
        "s = '''\\nnever closed       | 1 | a multi-line string is not closed",
    })
    void namesWhatIsWrongAndItsLine(String toml, int line, String message) {
        assertThatThrownBy(() -> TomlReader.read(toml.strip().replace("\\n", "\n")))
                .isInstanceOfSatisfying(TomlReader.SyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(line);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }
}
