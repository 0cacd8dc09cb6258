package io.berth.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordReaderTest {
    private static final ObjectMapper BINDING = new ObjectMapper();

    enum Phase { CREATED, RUNNING }

    record Inner(String name, List<Long> ids) {}

    record Everything(String text, int small, long big, boolean flag, double ratio, Integer boxed, Phase phase,
            List<String> names, Map<String, String> labels, Inner inner, List<Inner> inners, Map<String, Inner> byName,
            JsonNode raw, byte[] bytes) {}

    record Checked(String name) {
        Checked {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
        }
    }

    @Test
    void readsBackWhatJacksonsBindingWrote() throws Exception {
        Everything written = new Everything("t", -7, 1L << 40, true, 0.25, 9, Phase.RUNNING, List.of("a", "b"),
                Map.of("k", "v"), new Inner("i", List.of(1L, 2L)), List.of(new Inner("j", List.of())),
                Map.of("x", new Inner("x", List.of(3L))), BINDING.readTree("{\"any\":[1,{\"b\":null}]}"),
                new byte[] {0, 1, (byte) 0xff});

        Everything read = RecordReader.PLAIN.read(BINDING.valueToTree(written), Everything.class);

        assertThat(read).usingRecursiveComparison().isEqualTo(written);
    }

    @Test
    void anAbsentMemberIsNullOrZeroAndAnUnknownOneIsIgnored() throws Exception {
        Everything read = RecordReader.PLAIN.read(BINDING.readTree("{\"text\":\"t\",\"later\":1}"), Everything.class);

        assertThat(read.text()).isEqualTo("t");
        assertThat(read.small()).isZero();
        assertThat(read.flag()).isFalse();
        assertThat(read.boxed()).isNull();
        assertThat(read.names()).isNull();
    }

    @Test
    void aMemberOfTheWrongShapeIsNamedWithItsPath() {
        assertThatThrownBy(() -> RecordReader.PLAIN.read(BINDING.readTree("{\"inners\":[{\"ids\":[\"x\"]}]}"),
                Everything.class))
                .isInstanceOf(IOException.class)
                .hasMessage("Everything.inners[0].ids[0]: expected an integer, found string");
        assertThatThrownBy(() -> RecordReader.PLAIN.read(BINDING.readTree("{\"small\":4294967296}"),
                Everything.class))
                .isInstanceOf(IOException.class).hasMessage("Everything.small: 4294967296 is out of range");
        assertThatThrownBy(() -> RecordReader.PLAIN.read(BINDING.readTree("{\"phase\":\"GONE\"}"), Everything.class))
                .isInstanceOf(IOException.class).hasMessage("Everything.phase: 'GONE' is not a Phase");
    }

    @Test
    void whatTheRecordItselfRefusesIsAnIoException() {
        assertThatThrownBy(() -> RecordReader.PLAIN.read(BINDING.readTree("{\"name\":\"\"}"), Checked.class))
                .isInstanceOf(IOException.class).hasMessage("Checked: name must not be empty");
    }

    @Test
    void aLeafTypeIsDecodedByTheCaller() throws Exception {
        record WithPath(java.nio.file.Path path) {}
        RecordReader reader = new RecordReader(type -> type == java.nio.file.Path.class
                ? node -> java.nio.file.Path.of(node.textValue()) : null);

        assertThat(reader.read(BINDING.readTree("{\"path\":\"/run/x\"}"), WithPath.class).path())
                .isEqualTo(java.nio.file.Path.of("/run/x"));
        assertThatThrownBy(() -> RecordReader.PLAIN.read(BINDING.readTree("{\"path\":\"/run/x\"}"), WithPath.class))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no rule for");
    }
}
