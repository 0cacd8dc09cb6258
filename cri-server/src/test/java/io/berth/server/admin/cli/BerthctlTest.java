package io.berth.server.admin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.berth.admin.v1.HealthReply;
import io.berth.admin.v1.HealthRequest;
import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.Posix;
import io.berth.server.admin.AdminFixture;
import io.berth.server.admin.ImportSpool;
import io.berth.server.container.TestRecords;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berthctl as an operator runs it, against a real admin socket. */
class BerthctlTest {
    @TempDir
    Path dir;
    private AdminFixture admin;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        admin = AdminFixture.start(dir.resolve("berth"));
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
    }

    @Test
    void versionPrintsOneFactALine() {
        assertThat(berthctl("version")).isZero();

        assertThat(out()).contains("berthd    9.8.7\n", "build     " + AdminFixture.BUILD + "\n", "CRI API   v1\n",
                "handlers  runc (runc, default), kata (/opt/kata)\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void healthPrintsTablesOfConditionsHostsAndDisks() {
        assertThat(berthctl("health")).isZero();

        assertThat(out()).containsPattern("NetworkReady +no +NetworkPluginNotReady +no CNI config")
                .containsPattern("node +4242 +yes +2 +" + AdminFixture.BUILD)
                .containsPattern("root +" + admin.root + " .* 4.0 KiB in 3 inodes");
    }

    @Test
    void healthAsJsonIsTheReplyItself() throws Exception {
        assertThat(berthctl("health", "--json")).isZero();

        HealthReply.Builder parsed = HealthReply.newBuilder();
        JsonFormat.parser().merge(out(), parsed);
        HealthReply direct = admin.blocking().health(HealthRequest.getDefaultInstance());
        assertThat(parsed.getConditionsList()).isEqualTo(direct.getConditionsList());
        assertThat(parsed.getShimHostsList()).isEqualTo(direct.getShimHostsList());
        assertThat(out()).contains("\"alive\": true");
    }

    @Test
    void debugDumpShowsEachSandboxWithItsFiles() {
        String podId = TestRecords.id("a1");
        TestRecords.sandbox(admin.sandboxes, podId, "web", Map.of(), "/kubepods/pod1", admin.state.resolve("s/a1"));
        TestRecords.container(admin.containers, TestRecords.id("c1"), podId, "app", Map.of());

        assertThat(berthctl("debug", "dump")).isZero();

        assertThat(out()).contains("SANDBOX " + podId + "\n",
                "  name      web (namespace ns, uid uid-web, attempt 0)\n",
                "  netns     " + admin.state.resolve("s/a1/ns/net") + "\n",
                "  CONTAINER " + TestRecords.id("c1") + "\n",
                "    state     CREATED, pid 0, created ");
    }

    @Test
    void importSendsEachFileAndNamesWhatItBroughtIn() throws Exception {
        Path archive = Files.write(dir.resolve("busybox.tar"), new byte[3 * 1024 * 1024 + 5]);

        assertThat(berthctl("images", "import", archive.toString())).isZero();

        assertThat(admin.archives.imported).hasSize(1);
        assertThat(admin.archives.imported.get(0)).isEqualTo(Files.readAllBytes(archive));
        assertThat(out()).containsPattern(archive + " +sha256:1{64} +docker.io/library/busybox:latest");
    }

    @Test
    void importDashReadsStandardInput() {
        byte[] archive = "an archive on a pipe".getBytes(StandardCharsets.UTF_8);

        assertThat(berthctl(new ByteArrayInputStream(archive), "images", "import", "-")).isZero();

        assertThat(admin.archives.imported.get(0)).isEqualTo(archive);
        assertThat(out()).contains("standard input");
    }

    @Test
    void aMissingFileIsAUsageErrorAndNothingIsSent() throws Exception {
        Path present = Files.write(dir.resolve("a.tar"), new byte[10]);

        assertThat(berthctl("images", "import", present.toString(), dir.resolve("typo.tar").toString())).isEqualTo(2);

        assertThat(err()).contains("typo.tar: no such file");
        assertThat(admin.archives.imported).isEmpty();
    }

    @Test
    void aLayoutDirectoryIsSentAsATarOfItsTree() throws Exception {
        Path layout = Files.createDirectories(dir.resolve("layout/blobs/sha256"));
        Files.writeString(layout.getParent().getParent().resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("ab".repeat(32)), "a blob");

        assertThat(berthctl("images", "import", dir.resolve("layout").toString())).isZero();

        String sent = new String(admin.archives.imported.get(0), StandardCharsets.ISO_8859_1);
        assertThat(admin.archives.imported.get(0).length % 512).as("whole tar records").isZero();
        assertThat(sent).contains("oci-layout", "blobs/sha256/" + "ab".repeat(32), "a blob");
        assertThat(out()).contains(dir.resolve("layout").toString());
    }

    @Test
    void aLinkInALayoutDirectoryIsRefusedNotFollowed() throws Exception {
        Path layout = Files.createDirectories(dir.resolve("linked"));
        Files.createSymbolicLink(layout.resolve("index.json"), Path.of("/etc/shadow"));

        assertThat(berthctl("images", "import", layout.toString())).isNotZero();

        assertThat(admin.archives.imported).allSatisfy(bytes ->
                assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("root:"));
    }

    @Test
    void berthdsRefusalIsPrintedWithItsCodeAndExitsOne() throws Exception {
        admin.archives.importFailure.set(new InvalidArgumentException("not a docker save archive: no manifest.json"));
        Path archive = Files.write(dir.resolve("junk.tar"), new byte[100]);

        assertThat(berthctl("images", "import", archive.toString())).isEqualTo(1);

        assertThat(err()).isEqualTo("berthctl: INVALID_ARGUMENT: not a docker save archive: no manifest.json\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void anArchiveOverBerthdsBoundStopsTheUploadWithBerthdsReason() throws Exception {
        Path archive = Files.write(dir.resolve("huge.tar"), new byte[8 * 1024 * 1024]);
        try (AdminFixture small = AdminFixture.start(dir.resolve("small"), new ImportSpool.Limits(2 * 1024 * 1024, 0),
                Posix.euid())) {
            int exit = Berthctl.run(new String[] {"--socket", small.socket.toString(), "images", "import",
                    archive.toString()}, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            assertThat(exit).isEqualTo(1);
            assertThat(err()).startsWith("berthctl: RESOURCE_EXHAUSTED: ImportImage: the archive is larger than");
            assertThat(small.archives.imported).isEmpty();
        }
    }

    @Test
    void exportIntoAMissingDirectorySaysSo() {
        admin.images.put("busybox", "sha256:" + "1".repeat(64));
        Path file = dir.resolve("no/such/dir/busybox.tar");

        assertThat(berthctl("images", "export", "busybox", file.toString())).isEqualTo(1);

        assertThat(err()).isEqualTo("berthctl: cannot write " + file + ": " + file.getParent()
                + " is not a directory\n");
    }

    @Test
    void exportWritesTheArchiveToTheFile() throws Exception {
        admin.images.put("busybox", "sha256:" + "1".repeat(64));
        admin.archives.exportBytes = new byte[2 * 1024 * 1024 + 17];
        admin.archives.exportBytes[5] = 42;
        Path file = dir.resolve("busybox.tar");

        assertThat(berthctl("images", "export", "busybox", file.toString())).isZero();

        assertThat(Files.readAllBytes(file)).isEqualTo(admin.archives.exportBytes);
        assertThat(out()).isEqualTo("exported busybox to " + file + " (2.0 MiB)\n");
    }

    @Test
    void exportDashWritesStandardOutput() {
        admin.images.put("busybox", "sha256:" + "1".repeat(64));
        admin.archives.exportBytes = "tar bytes".getBytes(StandardCharsets.UTF_8);

        assertThat(berthctl("images", "export", "busybox", "-")).isZero();

        assertThat(out.toByteArray()).isEqualTo(admin.archives.exportBytes);
    }

    @Test
    void aFailedExportLeavesTheFileAsItWas() throws Exception {
        Path file = Files.writeString(dir.resolve("busybox.tar"), "yesterday's export");

        assertThat(berthctl("images", "export", "nginx", file.toString())).isEqualTo(1);

        assertThat(err()).startsWith("berthctl: NOT_FOUND: ExportImage: no image nginx in berth");
        assertThat(file).hasContent("yesterday's export");
        assertThat(siblings()).containsExactly(file);
    }

    @Test
    void noDaemonIsUnavailableWithAHint() {
        Path nowhere = dir.resolve("nobody.sock");

        assertThat(berthctl("--socket", nowhere.toString(), "version")).isEqualTo(1);

        assertThat(err()).startsWith("berthctl: UNAVAILABLE: ").contains("is berthd running", nowhere.toString());
    }

    @Test
    void aUsageErrorExitsTwo() {
        assertThat(berthctl("images", "export", "busybox")).isEqualTo(2);

        assertThat(err()).isEqualTo("berthctl: images export needs REF and FILE (- for standard output)\n");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(berthctl("--help")).isZero();

        assertThat(out()).contains("version [--json]", "health [--json]", "debug dump [--json]", "images import FILE",
                "images export REF FILE");
    }

    private int berthctl(String... args) {
        return berthctl(new ByteArrayInputStream(new byte[0]), args);
    }

    private int berthctl(InputStream in, String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", admin.socket.toString()));
        all.addAll(List.of(args));
        if (args.length > 0 && args[0].equals("--socket")) {
            all = List.of(args);
        }
        return Berthctl.run(all.toArray(String[]::new), in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private List<Path> siblings() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
