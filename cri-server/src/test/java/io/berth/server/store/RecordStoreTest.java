package io.berth.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.AlreadyExistsException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.json.VersionedJson;
import io.berth.cri.v1.LinuxContainerResources;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordStoreTest {
    record Meta(String name, Map<String, String> labels) {}

    record State(String phase, long exitCode) {}

    /** Metadata that holds a protobuf message, as container and sandbox records hold their CRI config. */
    record Limits(String name, LinuxContainerResources resources) {}

    @TempDir
    Path dir;

    private RecordStore<Meta, State> open() throws Exception {
        return new RecordStore<>("pod", dir, Meta.class, State.class);
    }

    @Test
    void recordsSurviveReopening() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("abc1", new Meta("web", Map.of("app", "x")), new State("created", 0));
        store.update("abc1", s -> new State("exited", 3));
        RecordStore.Record<Meta, State> back = open().get("abc1");
        assertThat(back.metadata()).isEqualTo(new Meta("web", Map.of("app", "x")));
        assertThat(back.status()).isEqualTo(new State("exited", 3));
    }

    @Test
    void anObservedChangeIsPublishedEvenWhenItsFileCannotBeWritten() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("abc1", new Meta("web", Map.of()), new State("running", 0));
        // A non-empty directory where the file goes refuses the rename, as a full disk refuses the write.
        Files.delete(dir.resolve("abc1.json"));
        Files.createDirectories(dir.resolve("abc1.json").resolve("blocker"));

        assertThatThrownBy(() -> store.update("abc1", s -> new State("stopping", 0)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("abc1.json");
        assertThat(store.get("abc1").status()).as("after a refused update").isEqualTo(new State("running", 0));
        store.updateObserved("abc1", s -> new State("exited", 137));
        assertThat(store.get("abc1").status()).as("after an observed exit").isEqualTo(new State("exited", 137));
    }

    @Test
    void aRecordIsWrittenInTheVersionedEnvelopeAndReadBackEqual() throws Exception {
        open().create("abc1", new Meta("web", Map.of("app", "x")), new State("running", 0));

        VersionedJson.Envelope file = VersionedJson.read(dir.resolve("abc1.json"));
        assertThat(file.version()).isEqualTo(2);
        assertThat(file.data().at("/metadata/labels/app").asText()).isEqualTo("x");
        assertThat(file.data().at("/status/phase").asText()).isEqualTo("running");
        assertThat(open().get("abc1")).isEqualTo(new RecordStore.Record<>("abc1", new Meta("web", Map.of("app", "x")),
                new State("running", 0)));
    }

    @Test
    void aFileAsVersionOneWroteItIsRead() throws Exception {
        Files.writeString(dir.resolve("abc1.json"), "{\"version\":1,\"metadata\":{\"name\":\"web\",\"labels\":"
                + "{\"app\":\"x\"}},\"status\":{\"phase\":\"exited\",\"exitCode\":3}}");

        RecordStore.Record<Meta, State> read = open().get("abc1");
        assertThat(read.metadata()).isEqualTo(new Meta("web", Map.of("app", "x")));
        assertThat(read.status()).isEqualTo(new State("exited", 3));
    }

    @Test
    void aProtobufMessageIsKeptParsedAndWrittenAsBase64OfItsWireBytes() throws Exception {
        LinuxContainerResources resources = LinuxContainerResources.newBuilder().setCpuShares(512).build();
        RecordStore<Limits, State> store = new RecordStore<>("pod", dir, Limits.class, State.class);
        store.create("abc1", new Limits("web", resources), new State("created", 0));
        store.create("abc2", new Limits("none", null), new State("created", 0));

        assertThat(VersionedJson.read(dir.resolve("abc1.json")).data().at("/metadata/resources").asText())
                .isEqualTo(Base64.getEncoder().encodeToString(resources.toByteArray()));
        RecordStore<Limits, State> reopened = new RecordStore<>("pod", dir, Limits.class, State.class);
        assertThat(reopened.get("abc1").metadata()).isEqualTo(new Limits("web", resources));
        assertThat(reopened.get("abc2").metadata()).isEqualTo(new Limits("none", null));
    }

    @Test
    void createIsOnceAndMissingIsNotFound() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("abc1", new Meta("web", Map.of()), new State("created", 0));
        assertThatThrownBy(() -> store.create("abc1", new Meta("web", Map.of()), new State("created", 0)))
                .isInstanceOf(AlreadyExistsException.class).hasMessage("pod abc1 already exists");
        assertThatThrownBy(() -> store.get("ffff")).isInstanceOf(NotFoundException.class).hasMessage("pod ffff not found");
        assertThatThrownBy(() -> store.update("ffff", s -> s)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void deleteIsIdempotentAndRemovesTheFile() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("abc1", new Meta("web", Map.of()), new State("created", 0));
        store.delete("abc1");
        store.delete("abc1");
        assertThat(store.find("abc1")).isEmpty();
        assertThat(open().list()).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files).as("the record is gone; the disk reserve stays").containsExactly(
                    dir.resolve(RecordStore.RESERVE_FILE));
        }
    }

    /** On a disk that is full: pods must still be stopped and removed, to free it, but nothing new is made. */
    @Test
    void onAFullDiskAChangeSpendsTheReserveWhileANewObjectIsRefused() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        run("mount", "-t", "tmpfs", "-o", "size=4m", "berth-test", disk.toString());
        try {
            RecordStore<Meta, State> store = new RecordStore<>("pod", disk.resolve("records"), Meta.class, State.class);
            Path reserve = disk.resolve("records").resolve(RecordStore.RESERVE_FILE);
            assertThat(reserve).hasSize(DiskReserve.BYTES);
            store.create("abc1", new Meta("web", Map.of()), new State("running", 0));
            Path filler = disk.resolve("filler");
            run("sh", "-c", "cat /dev/zero > " + filler + " 2>/dev/null; true");

            assertThatThrownBy(() -> store.create("abc2", new Meta("new", Map.of()), new State("created", 0)))
                    .hasMessageContaining("No space left on device");
            store.update("abc1", s -> new State("stopped", 0));

            assertThat(new RecordStore<>("pod", disk.resolve("records"), Meta.class, State.class).get("abc1")
                    .status()).as("the change, read back from the disk").isEqualTo(new State("stopped", 0));
            // The change freed the reserve for its write, then made it again out of the room that was left.
            assertThat(reserve).hasSize(DiskReserve.BYTES);
            assertThatThrownBy(() -> store.create("abc2", new Meta("new", Map.of()), new State("created", 0)))
                    .as("still no room for a new object").hasMessageContaining("No space left on device");
            Files.delete(filler);
            store.create("abc2", new Meta("new", Map.of()), new State("created", 0));
        } finally {
            run("umount", disk.toString());
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor()).as("%s", List.of(command)).isZero();
    }

    @Test
    void prefixesResolveToOneObjectOrSayWhy() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("abc111", new Meta("a", Map.of()), new State("created", 0));
        store.create("abc222", new Meta("b", Map.of()), new State("created", 0));
        assertThat(store.resolve("abc1").id()).isEqualTo("abc111");
        assertThat(store.resolve("abc222").id()).isEqualTo("abc222");
        assertThatThrownBy(() -> store.resolve("abc")).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("matches 2 objects");
        assertThatThrownBy(() -> store.resolve("f")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aCorruptOrForeignFileIsSkippedNotFatal() throws Exception {
        RecordStore<Meta, State> store = open();
        store.create("good", new Meta("a", Map.of()), new State("created", 0));
        Files.writeString(dir.resolve("torn.json"), "{\"version\":1,\"metad");
        Files.writeString(dir.resolve("future.json"), "{\"version\":99,\"metadata\":{},\"status\":{}}");
        Files.writeString(dir.resolve("newer.json"), "{\"version\":3,\"data\":{\"metadata\":{},\"status\":{}}}");
        Files.writeString(dir.resolve("hollow.json"), "{\"version\":2,\"data\":{}}");
        assertThat(open().list()).extracting(RecordStore.Record::id).containsExactly("good");
        // Damaged records are moved aside, so the next start neither reads nor reports them again; a newer
        // berth's record stays where that berth will look for it.
        assertThat(dir.resolve("torn.json")).doesNotExist();
        assertThat(dir.resolve("torn.json" + RecordStore.QUARANTINE_SUFFIX)).exists();
        assertThat(dir.resolve("hollow.json" + RecordStore.QUARANTINE_SUFFIX)).exists();
        assertThat(dir.resolve("newer.json")).exists();

        Files.writeString(dir.resolve("garbled.json"), "{\"version\":2,\"data\":{\"metadata\":{\"name\":\"x\","
                + "\"resources\":\"//8=\"},\"status\":{}}}");
        assertThat(new RecordStore<>("pod", dir, Limits.class, State.class).find("garbled")).isEmpty();
    }

    @Test
    void idsThatWouldEscapeTheDirAreRefused() throws Exception {
        RecordStore<Meta, State> store = open();
        for (String bad : List.of("../x", "a/b", ".hidden")) {
            assertThatThrownBy(() -> store.create(bad, new Meta("a", Map.of()), new State("c", 0)))
                    .isInstanceOf(InvalidArgumentException.class);
        }
    }

    @Test
    void aNameIsReservedOnce() {
        NameIndex names = new NameIndex("sandbox");
        names.reserve("web_default_uid_0", "id1");
        names.reserve("web_default_uid_0", "id1");
        assertThatThrownBy(() -> names.reserve("web_default_uid_0", "id2"))
                .isInstanceOf(AlreadyExistsException.class).hasMessageContaining("reserved for id1");
        names.release("web_default_uid_0", "id2");
        assertThat(names.idOf("web_default_uid_0")).contains("id1");
        names.release("web_default_uid_0", "id1");
        assertThat(names.idOf("web_default_uid_0")).isEmpty();
    }
}
