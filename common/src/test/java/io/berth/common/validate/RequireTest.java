package io.berth.common.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class RequireTest {
    @Test
    void missingFieldsAreNamed() {
        assertThatThrownBy(() -> Require.present(false, "config.metadata"))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("config.metadata is required");
        assertThatThrownBy(() -> Require.nonEmpty("", "pod_sandbox_id"))
                .hasMessage("pod_sandbox_id is required and must not be empty");
        assertThat(Require.nonEmpty("x", "f")).isEqualTo("x");
    }

    @Test
    void idsAreHexOfAtMost64() {
        String full = "a".repeat(64);
        assertThat(Require.idOrPrefix(full, "container_id")).isEqualTo(full);
        assertThat(Require.idOrPrefix("abc123", "container_id")).isEqualTo("abc123");
        assertThat(Require.isFullId(full)).isTrue();
        assertThat(Require.isFullId("abc")).isFalse();
        for (String bad : new String[] {"../etc", "ABC", "a".repeat(65), "abc/def", "xyz"}) {
            assertThatThrownBy(() -> Require.idOrPrefix(bad, "container_id"))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("container_id '")
                    .hasMessageContaining("is not an id");
        }
    }

    @Test
    void namesCannotClimbOrHideControlCharacters() {
        assertThat(Require.safeName("nginx-1.web_0", "name")).isEqualTo("nginx-1.web_0");
        for (String bad : new String[] {"..", "a/b", ".hidden", "-dash", "x".repeat(254), "tab\there"}) {
            assertThatThrownBy(() -> Require.safeName(bad, "metadata.name"))
                    .isInstanceOf(InvalidArgumentException.class)
                    .hasMessageStartingWith("metadata.name '");
        }
        assertThatThrownBy(() -> Require.safeName("a\nforged log line", "name"))
                .hasMessageContaining("a\\x0aforged log line");
    }

    @Test
    void printableCapsLength() {
        assertThat(Require.printable("y".repeat(500))).hasSize(123).endsWith("...");
    }
}
