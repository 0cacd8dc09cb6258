package io.berth.e2e.critest;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.e2e.fixtures.RegistryProcess;
import io.berth.e2e.fixtures.TestImage;
import io.berth.e2e.harness.E2eSettings;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pushes the critest images to a real docker-registry and reads them back the way a puller would, checking the
 * properties critest v1.37.0's specs rely on (the spec each check stands for is named in it).
 */
class CritestImagesTest {
    private static final String TAGS = CritestImages.STAGING + "test-image-tags:";
    private static final String REGISTRY_K8S_PAUSE = CritestImages.K8S + "pause:3.9";
    private static final String GCR_PAUSE = "k8s.gcr.io/pause:3.9";

    @TempDir
    static Path dir;

    private static RegistryProcess registry;
    private static List<String> pushed;
    private static final Map<String, ServedImage> served = new LinkedHashMap<>();

    @BeforeAll
    static void pushEverything() throws Exception {
        E2eSettings.assumeRoot();
        registry = RegistryProcess.start(dir.resolve("registry"));
        pushed = CritestImages.pushAll(URI.create(registry.url() + "/"));
        for (String reference : pushed) {
            served.put(reference, ServedImage.fetch(registry.url(), CritestImages.localName(reference)));
        }
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void everyImageCritestPullsOnLinuxIsServedUnderItsPathWithoutTheRegistryHost() {
        assertThat(pushed).contains(
                "registry.k8s.io/e2e-test-images/busybox:1.29-2",
                "registry.k8s.io/e2e-test-images/nginx:1.14-2",
                "registry.k8s.io/e2e-test-images/httpd:2.4.39-4",
                "registry.k8s.io/e2e-test-images/nonewprivs:1.3",
                "gcr.io/k8s-staging-cri-tools/hostnet-nginx-" + CritestImages.goArch() + ":latest",
                "gcr.io/k8s-staging-cri-tools/test-image-user-uid:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-user-username:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-user-uid-group:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-user-username-group:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-predefined-group:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-latest:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-tag:test",
                "gcr.io/k8s-staging-cri-tools/test-image-tag:all",
                "gcr.io/k8s-staging-cri-tools/test-image-1:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-2:latest",
                "gcr.io/k8s-staging-cri-tools/test-image-3:latest",
                TAGS + "1", TAGS + "2", TAGS + "3",
                REGISTRY_K8S_PAUSE, GCR_PAUSE);
        assertThat(CritestImages.localName("registry.k8s.io/e2e-test-images/busybox:1.29-2"))
                .hasToString("e2e-test-images/busybox:1.29-2");
        assertThat(CritestImages.localName("gcr.io/k8s-staging-cri-tools/test-image-latest"))
                .hasToString("k8s-staging-cri-tools/test-image-latest:latest");
        served.forEach((reference, image) -> {
            assertThat(image.config().path("os").asText()).as(reference).isEqualTo("linux");
            assertThat(image.config().path("architecture").asText()).as(reference).isEqualTo(CritestImages.goArch());
        });
    }

    /** "listImage should get exactly 3 image/repoTags", "removing image by one tag/from one registry ...". */
    @Test
    void onlyTheMultiTagAndMultiRegistryNamesShareAnImage() {
        Map<String, List<String>> byId = new HashMap<>();
        served.forEach((reference, image) -> byId.computeIfAbsent(image.id(), k -> new ArrayList<>()).add(reference));
        List<Set<String>> shared = byId.values().stream().filter(refs -> refs.size() > 1).map(Set::copyOf).toList();
        assertThat(shared).containsExactlyInAnyOrder(
                Set.of(TAGS + "1", TAGS + "2", TAGS + "3"), Set.of(REGISTRY_K8S_PAUSE, GCR_PAUSE));
        assertThat(served.get(TAGS + "1").manifestDigest())
                .isEqualTo(served.get(TAGS + "2").manifestDigest())
                .isEqualTo(served.get(TAGS + "3").manifestDigest());
        assertThat(served.get(GCR_PAUSE).manifestDigest()).isEqualTo(served.get(REGISTRY_K8S_PAUSE).manifestDigest());
    }

    /** "image status get image fields should not have Uid|Username empty": uid from a numeric User, else username. */
    @Test
    void userImagesCarryTheUserThatImageStatusReports() {
        Map<String, String> critestExpects = Map.of(
                "test-image-user-uid", "uid 1002",
                "test-image-user-username", "username www-data",
                "test-image-user-uid-group", "uid 1003",
                "test-image-user-username-group", "username www-data",
                "test-image-predefined-group", "uid 1000");
        critestExpects.forEach((name, expected) -> {
            String user = served.get(CritestImages.STAGING + name + ":latest").user();
            String first = user.split(":", 2)[0];
            String reported = first.chars().allMatch(Character::isDigit) ? "uid " + first : "username " + first;
            assertThat(reported).as(name + " User=" + user).isEqualTo(expected);
        });
        assertThat(served.get(CritestImages.E2E + "busybox:1.29-2").user()).isEmpty();
    }

    /** SupplementalGroupsPolicy Merge/Strict: uid 1000's primary group 1000, and 50000 only from /etc/group. */
    @Test
    void predefinedGroupImageDefinesDefaultUserAndItsImageGroup() {
        ServedImage image = served.get(CritestImages.STAGING + "test-image-predefined-group:latest");
        assertThat(image.files().get("etc/passwd").text().lines())
                .anyMatch(l -> l.startsWith("default-user:x:1000:1000:"));
        assertThat(image.files().get("etc/group").text().lines())
                .contains("default-user:x:1000:", "group-defined-in-image:x:50000:default-user");
    }

    /** The default image: the commands critest's shell snippets call, and the accounts RunAsUserName resolves. */
    @Test
    void busyboxHasTheCommandsAndAccountsTheSpecsUse() {
        Map<String, ServedImage.Entry> files = served.get(CritestImages.E2E + "busybox:1.29-2").files();
        for (String command : List.of("sh", "echo", "sleep", "top", "ls", "cat", "id", "hostname", "mount", "mkdir",
                "touch", "grep", "netstat", "brctl", "ping", "ipcs", "pgrep", "pidof", "seq", "sync", "dd", "chmod",
                "nc", "tty", "stty", "httpd", "awk", "ps", "test", "[")) {
            assertThat(files).as(command).containsKey("bin/" + command);
            ServedImage.Entry e = files.get("bin/" + command);
            assertThat(e.linkName().isEmpty() ? e.mode() & 0111 : 0111).as(command + " executable").isEqualTo(0111);
        }
        assertThat(files.get("bin/busybox").mode() & 0755).isEqualTo(0755);
        assertThat(files.get("etc/passwd").text().lines()).anyMatch(l -> l.startsWith("nobody:x:65534:"));
        assertThat(files.get("tmp").mode() & 01777).isEqualTo(01777);
    }

    /**
     * Image volume specs mount test-image-tag:test and run its bin/ls from the mount: applets are hard links (a tar
     * names their target from the layer root, never absolutely), and the static busybox needs no loader or libc.
     */
    @Test
    void imageVolumeSourceRunsFromAnyMountPoint() {
        Map<String, ServedImage.Entry> files = served.get(CritestImages.STAGING + "test-image-tag:test").files();
        assertThat(files.get("bin/sh").linkName()).isEqualTo("bin/busybox");
        assertThat(files.get("bin/ls").linkName()).isEqualTo("bin/busybox");
        assertThat(files).containsKey("test").doesNotContainKey("lib64/ld-linux-x86-64.so.2");
    }

    /**
     * containerd 1.6 gives the inode a hard link shares the mode of the link's own tar entry, so an applet entry
     * with any other mode than busybox's takes the exec bits off busybox itself: every shell, and the sandbox's
     * pause script, then fail with "permission denied" on containerd (berth keeps the target's mode).
     */
    @Test
    void appletLinksCarryBusyboxsOwnMode() {
        served.forEach((reference, image) -> image.files().forEach((path, entry) -> {
            if (entry.linkName().equals("bin/busybox")) {
                assertThat(Integer.toOctalString(entry.mode() & 07777)).as("%s in %s", path, reference)
                        .isEqualTo(Integer.toOctalString(image.files().get("bin/busybox").mode() & 07777));
            }
        }));
    }

    /**
     * "runtime should support MaskedPaths": /bin/ls masked, {@code /bin/sh -c ls} must fail with exactly
     * "/bin/sh: ls: Permission denied". Only a shell that execs ls from PATH sees the mask, so the default image
     * carries Debian's dynamic busybox (the static one's standalone ash would run its ls applet in-process) and the
     * libraries it loads. Checked as runc would: the pushed layers unpacked, /dev/null bound over bin/ls, chroot.
     */
    @Test
    void busyboxShellExecsFromPathSoAMaskedLsIsDenied() throws Exception {
        ServedImage image = served.get(CritestImages.E2E + "busybox:1.29-2");
        Path root = Files.createDirectory(dir.resolve("busybox-rootfs"));
        image.unpack(root);
        Run plain = run("chroot", root.toString(), "/bin/sh", "-c", "ls -d /bin/busybox");
        assertThat(plain).as("the image's own loader and libraries run its busybox")
                .isEqualTo(new Run(0, "/bin/busybox\n", ""));

        Path ls = root.resolve("bin/ls");
        assertThat(run("mount", "--bind", "/dev/null", ls.toString()).exit()).isZero();
        try {
            Run masked = run("chroot", root.toString(), "/bin/sh", "-c", "ls");
            assertThat(masked.stderr()).isEqualTo("/bin/sh: ls: Permission denied\n");
            assertThat(masked.stdout()).isEmpty();
            assertThat(masked.exit()).isNotZero();
        } finally {
            Run umount = run("umount", ls.toString());
            if (umount.exit() != 0) {
                run("umount", "-l", ls.toString());
            }
        }
        Map<String, ServedImage.Entry> files = image.files();
        assertThat(files).containsKeys("lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                "lib/x86_64-linux-gnu/libresolv.so.2");
        assertThat(files.get("lib64/ld-linux-x86-64.so.2").linkName()).as("loader is a real file").isEmpty();
        assertThat(files.get("bin/ls").linkName()).isEqualTo("bin/busybox");
    }

    /** Networking and streaming specs: HTTP 200 on port 80 (12003 with host network) with the image's own command. */
    @Test
    void webServersListenWhereTheSpecsConnect() {
        Map<String, Integer> ports = Map.of(
                CritestImages.E2E + "nginx:1.14-2", 80,
                CritestImages.STAGING + "hostnet-nginx-" + CritestImages.goArch() + ":latest", 12003);
        ports.forEach((reference, port) -> {
            ServedImage image = served.get(reference);
            assertThat(image.files().get("etc/nginx/conf.d/default.conf").text())
                    .contains("listen       " + port + ";");
            assertThat(image.files().get("usr/sbin/nginx").text())
                    .contains("/var/run/nginx.pid", "\"master process\"", "httpd -f");
            assertThat(image.files()).containsKey("usr/share/nginx/html/index.html");
            assertThat(image.config().path("config").path("Cmd").get(0).asText()).isEqualTo("nginx");
        });
        ServedImage httpd = served.get(CritestImages.E2E + "httpd:2.4.39-4");
        assertThat(httpd.config().path("config").path("Cmd").get(0).asText()).isEqualTo("httpd-foreground");
        assertThat(httpd.files().get("usr/local/bin/httpd-foreground").text()).contains("-p 80", "httpd:");
        assertThat(httpd.files()).containsKey("usr/local/apache2/htdocs/index.html");
    }

    /** NoNewPrivs specs: the entrypoint escalates through a setuid-root binary unless no_new_privs forbids it. */
    @Test
    void nonewprivsEntrypointReliesOnASetuidRootBinary() {
        ServedImage image = served.get(CritestImages.E2E + "nonewprivs:1.3");
        assertThat(image.config().path("config").path("Entrypoint").get(0).asText()).isEqualTo("/usr/local/bin/nnp");
        ServedImage.Entry suid = image.files().get("usr/local/bin/busybox-suid");
        assertThat(suid.mode() & 07777).isEqualTo(04755);
        assertThat(suid.uid()).isZero();
        assertThat(image.files().get("etc/busybox.conf").text()).contains("id = sxx root.root");
        assertThat(image.files().get("usr/local/bin/nnp").text()).contains("Effective uid: ");
    }

    /** The image-id spec runs pause with its own entrypoint, as pause's user. */
    @Test
    void pauseRunsItsOwnEntrypointAsNobody() {
        ServedImage pause = served.get(REGISTRY_K8S_PAUSE);
        assertThat(pause.config().path("config").path("Entrypoint").get(0).asText()).isEqualTo("/pause");
        assertThat(pause.user()).isEqualTo("65535:65535");
        assertThat(pause.files().get("pause").mode() & 0755).isEqualTo(0755);
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PATH", CritestImages.PATH_ENV.substring("PATH=".length())); // the image's, for chroot
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Rebuilding gives the same bytes: the digests the daemon caches and CI records are stable run to run. */
    @Test
    void buildsAreReproducible() {
        Map<String, TestImage> again = CritestImages.images();
        served.forEach((reference, image) ->
                assertThat(again.get(reference).manifest().digest()).as(reference).isEqualTo(image.manifestDigest()));
    }
}
