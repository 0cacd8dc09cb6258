package io.berth.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import org.junit.jupiter.api.Test;

class TomlKeyLinesTest {
    private static KeyPath key(String... segments) {
        return new KeyPath(List.of(segments));
    }

    @Test
    void keysAreFoundUnderTheirTablesDottedAndQuoted() {
        TomlKeyLines lines = TomlKeyLines.scan(String.join("\n",
                "root = \"/a\"              # line 1",
                "network.mtu = 1500",
                "",
                "[ runtimes . \"kata.v2\" ]",
                "binary = 'kata'",
                "'quoted key' = 1",
                "[network]",
                "plugin=\"cni\""));
        assertThat(lines.lineOf(key("root"))).hasValue(1);
        assertThat(lines.lineOf(key("network", "mtu"))).hasValue(2);
        assertThat(lines.lineOf(key("runtimes", "kata.v2"))).hasValue(4);
        assertThat(lines.lineOf(key("runtimes", "kata.v2", "binary"))).hasValue(5);
        assertThat(lines.lineOf(key("runtimes", "kata.v2", "quoted key"))).hasValue(6);
        assertThat(lines.lineOf(key("network", "plugin"))).hasValue(8);
        assertThat(lines.lineOf(key("state"))).isEmpty();
    }

    @Test
    void aTableNamedOnlyInsideLongerKeysIsPlacedAtItsFirstUse() {
        TomlKeyLines lines = TomlKeyLines.scan("log_level = \"info\"\n\n[runtimes.crun]\n[runtimes.kata]\n");
        assertThat(lines.lineOf(key("runtimes"))).hasValue(3);
    }

    @Test
    void aKeyInsideAValueIsPlacedAtTheKeyHoldingIt() {
        TomlKeyLines lines = TomlKeyLines.scan("a = 1\nnetwork = { plugin = \"bridge\", mtu = 1 }\n"
                + "dirs = [\n  \"x\",\n  \"y\",\n]\n");
        assertThat(lines.lineOf(key("network", "mtu"))).hasValue(2);
        assertThat(lines.lineOf(key("network", "mtu", "deeper"))).hasValue(2);
        assertThat(lines.lineOf(key("dirs"))).hasValue(3);
    }

    @Test
    void valuesSpanningLinesDoNotHideOrInventKeys() {
        TomlKeyLines lines = TomlKeyLines.scan(String.join("\n",
                "a = \"\"\"",
                "b = 1 \\\"\"\" still inside",
                "\"\"\"",
                "c = '''",
                "[d]",
                "'''",
                "e = [ # comment ] = x",
                "  [1, 2], { f = 1 },",
                "  \"]\",",
                "]",
                "g = \"#\" # h = 1",
                "i = 1"));
        assertThat(lines.lineOf(key("a"))).hasValue(1);
        assertThat(lines.lineOf(key("b"))).isEmpty();
        assertThat(lines.lineOf(key("c"))).hasValue(4);
        assertThat(lines.lineOf(key("d"))).isEmpty();
        assertThat(lines.lineOf(key("e"))).hasValue(7);
        assertThat(lines.lineOf(key("g"))).hasValue(11);
        assertThat(lines.lineOf(key("h"))).isEmpty();
        assertThat(lines.lineOf(key("i"))).hasValue(12);
        assertThat(lines.duplicates()).isEmpty();
    }

    @Test
    void arraysOfTablesHoldOneTableEachAndAreNotDuplicates() {
        TomlKeyLines lines = TomlKeyLines.scan(String.join("\n",
                "[[runtimes]]",
                "name = \"crun\"",
                "[runtimes.options]",
                "debug = true",
                "[[runtimes]]",
                "name = \"kata\"",
                "[runtimes.options]",
                "debug = false"));
        assertThat(lines.lineOf(key("runtimes"))).hasValue(1);
        assertThat(lines.lineOf(key("runtimes", "[1]", "name"))).hasValue(6);
        assertThat(lines.lineOf(key("runtimes", "[1]", "options", "debug"))).hasValue(8);
        assertThat(lines.duplicates()).isEmpty();
    }

    @Test
    void keysAndTablesDefinedTwiceAreDuplicatesAtTheirSecondLine() {
        TomlKeyLines lines = TomlKeyLines.scan("a = 1\n[t]\nb = 2\n\"b\" = 3\n[t]\n[u]\na = 4\n");
        assertThat(lines.duplicates()).extracting(TomlKeyLines.Duplicate::line, TomlKeyLines.Duplicate::message)
                .containsExactly(
                        tuple(4, "key 't.b' is defined twice (first on line 3)"),
                        tuple(5, "table [t] is defined twice (first on line 2)"));
    }
}
