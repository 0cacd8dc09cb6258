package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.snapshotter.tar.TarHeader;
import io.berth.snapshotter.tar.TarReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link TarWriter} writes, read back by commons-compress and by berth's tar reader. */
class TarWriterTest {
    @TempDir
    Path dir;

    /** Name to content ("/" suffix: a directory) of every entry, in archive order, with its headers checked. */
    private static Map<String, String> read(byte[] tar) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                assertThat(entry.getModTime().getTime()).isZero();
                assertThat(entry.getLongUserId()).isZero();
                assertThat(entry.getUserName()).isEmpty();
                assertThat(entry.getMode() & 07777).isEqualTo(entry.isDirectory() ? 0755 : 0644);
                entries.put(entry.getName(), entry.isDirectory() ? "" : new String(in.readAllBytes(), UTF_8));
            }
        }
        return entries;
    }

    private static byte[] write(Map<String, String> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter tar = new TarWriter(out)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                if (file.getKey().endsWith("/")) {
                    tar.addDirectory(file.getKey());
                } else {
                    byte[] content = file.getValue().getBytes(UTF_8);
                    tar.addFile(file.getKey(), content.length, new ByteArrayInputStream(content));
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void writesUstarEntriesWithPaxNamesForLongAndNonAsciiOnesTheSameBytesEveryTime() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("blobs/", "");
        files.put("blobs/sha512/", "");
        files.put("blobs/sha512/" + "ab".repeat(64), "a long name");
        files.put("blobs/" + "d".repeat(120) + "/", "");
        files.put("grüße.txt", "non-ASCII");
        files.put("empty", "");
        files.put("index.json", "{}".repeat(300));

        byte[] tar = write(files);

        assertThat(read(tar)).isEqualTo(files);
        assertThat(write(files)).isEqualTo(tar);
        assertThat(tar.length % 512).isZero();
    }

    @Test
    void theArchiveReaderReadsWhatItWrites() throws IOException {
        String longName = "blobs/sha512/" + "ab".repeat(64);
        byte[] tar = write(Map.of(longName, "x"));
        TarReader reader = new TarReader(new ByteArrayInputStream(tar), ArchiveLimits.defaults(1 << 20).tarLimits());

        TarHeader entry = reader.next();

        assertThat(entry.name()).isEqualTo(longName);
        assertThat(entry.isRegular()).isTrue();
        assertThat(reader.content().readAllBytes()).isEqualTo("x".getBytes(UTF_8));
        assertThat(reader.next()).isNull();
        reader.finish();
    }

    @Test
    void aFileShorterThanItsDeclaredSizeIsAnError() {
        TarWriter tar = new TarWriter(new ByteArrayOutputStream());

        assertThatThrownBy(() -> tar.addFile("short", 10, new ByteArrayInputStream(new byte[3])))
                .isInstanceOf(IOException.class).hasMessageContaining("ended after 3 of 10 bytes");
    }

    @Test
    void namesThatClimbOutOrAreAbsoluteAreRefused() {
        TarWriter tar = new TarWriter(new ByteArrayOutputStream());

        assertThatThrownBy(() -> tar.addDirectory("a/../../b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tar.addFile("/etc/passwd", 0, new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeTreeTarsADirectorySortedAndDirectoriesFirst() throws IOException {
        Path layout = dir.resolve("layout");
        Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{}");
        Files.writeString(layout.resolve("blobs/sha256/bb"), "second");
        Files.writeString(layout.resolve("blobs/sha256/aa"), "first");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        TarWriter.writeTree(layout, out);

        assertThat(new ArrayList<>(read(out.toByteArray()).entrySet())).containsExactly(
                Map.entry("blobs/", ""), Map.entry("blobs/sha256/", ""), Map.entry("blobs/sha256/aa", "first"),
                Map.entry("blobs/sha256/bb", "second"), Map.entry("index.json", "{}"),
                Map.entry("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
    }

    @Test
    void writeTreeNeverFollowsASymbolicLink() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret"), "do not archive");
        Path layout = Files.createDirectories(dir.resolve("layout/blobs"));
        Files.createSymbolicLink(layout.resolve("sha256"), dir);
        Files.createSymbolicLink(dir.resolve("layout/index.json"), secret);

        List<String> refused = new ArrayList<>();
        for (Path tree : List.of(dir.resolve("layout"), layout)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThatThrownBy(() -> TarWriter.writeTree(tree, out)).isInstanceOf(IOException.class)
                    .satisfies(e -> refused.add(e.getMessage()));
            assertThat(out.toString(UTF_8)).doesNotContain("do not archive");
        }
        assertThat(refused).containsExactly(
                "blobs/sha256 is a symbolic link; only files and directories are archived, and links are never followed",
                "sha256 is a symbolic link; only files and directories are archived, and links are never followed");
    }
}
