package io.berth.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionedJsonTest {
    record Pet(String name, int legs, List<String> tags) {}

    @TempDir
    Path dir;

    @Test
    void aRecordRoundTripsWithItsVersion() throws Exception {
        Path file = dir.resolve("pet.json");
        VersionedJson.write(file, 3, new Pet("rex", 4, List.of("good")));

        assertThat(VersionedJson.read(file, Pet.class, 3)).isEqualTo(new Pet("rex", 4, List.of("good")));
        assertThat(VersionedJson.read(file).version()).isEqualTo(3);
        assertThat(Files.readString(file)).contains("\"version\" : 3");
        assertThat(dir).isDirectoryContaining(p -> p.equals(file)).isDirectoryNotContaining(
                p -> p.getFileName().toString().contains(".tmp"));
    }

    @Test
    void aNewerVersionIsRefusedByName() throws Exception {
        Path file = dir.resolve("pet.json");
        VersionedJson.write(file, 4, new Pet("rex", 4, List.of()));
        assertThatThrownBy(() -> VersionedJson.read(file, Pet.class, 3))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("record version 4 is not supported")
                .hasMessageContaining("newer berth");
    }

    @Test
    void garbageAndUnversionedFilesAreRefusedNamingTheFile() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{not json");
        Path bare = Files.writeString(dir.resolve("bare.json"), "{\"name\":\"rex\"}");
        assertThatThrownBy(() -> VersionedJson.read(garbage)).hasMessageContaining("garbage.json")
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> VersionedJson.read(bare)).hasMessageContaining("not a versioned record");
    }
}
