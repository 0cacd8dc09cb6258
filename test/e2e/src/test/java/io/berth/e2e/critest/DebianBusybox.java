package io.berth.e2e.critest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's dynamically linked busybox (package {@code busybox}), for images whose shell must exec commands from
 * PATH. Debian's busybox-static, the one installed here, is built with FEATURE_SH_STANDALONE and PREFER_APPLETS:
 * its ash runs {@code ls} as a built-in applet without ever opening /bin/ls, so masking /bin/ls changes nothing.
 * The dynamic build is not standalone, but its package conflicts with busybox-static: so it is fetched with
 * {@code apt-get download} into {@code ${XDG_CACHE_HOME:-~/.cache}/berth/debs/} once per machine, and extracted
 * there with dpkg-deb. Several JVMs may build images at once: a file lock serialises them and the extracted tree
 * appears by one atomic rename.
 */
final class DebianBusybox {
    /** A shared library the binary needs: where the image must hold it, and the host file with its content. */
    record Library(String imagePath, Path hostFile) {}

    private static final Pattern RESOLVED = Pattern.compile("^\\s*(\\S+) => (/\\S+) \\(0x[0-9a-f]+\\)$");
    private static final Pattern LOADER = Pattern.compile("^\\s*(/\\S+) \\(0x[0-9a-f]+\\)$");

    private static Path binary;
    private static List<Library> libraries;

    private DebianBusybox() {
    }

    /** The extracted {@code bin/busybox} of Debian's busybox package, downloading it on first use. */
    static synchronized Path binary() {
        if (binary == null) {
            try {
                binary = fetch(cacheDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return binary;
    }

    /**
     * The libraries {@link #binary()} loads, as ldd resolves them on this host (vdso excluded), in ldd's order.
     * {@code hostFile} is the real file (symlinks resolved, e.g. /lib64/ld-linux-x86-64.so.2 is a link into
     * /lib/x86_64-linux-gnu), while {@code imagePath} is the name the loader asks for, without the leading slash.
     */
    static synchronized List<Library> libraries() {
        if (libraries == null) {
            libraries = List.copyOf(parseLdd(ldd(binary())));
        }
        return libraries;
    }

    /** ${XDG_CACHE_HOME:-~/.cache}/berth/debs. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("berth").resolve("debs");
    }

    private static Path fetch(Path debs) throws IOException {
        Path extracted = debs.resolve("busybox");
        Path busybox = extracted.resolve("bin/busybox");
        if (Files.isExecutable(busybox)) {
            return busybox;
        }
        Files.createDirectories(debs);
        try (FileChannel lockFile = FileChannel.open(debs.resolve("busybox.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            if (Files.isExecutable(busybox)) {
                return busybox; // another JVM fetched it while we waited for the lock
            }
            Path work = Files.createTempDirectory(debs, "busybox-download-");
            try {
                // apt-get download writes the .deb into its working directory; as root it warns (harmlessly) that
                // _apt cannot write there, so let every user write to the temporary directory.
                work.toFile().setWritable(true, false);
                String howTo = "run by hand: mkdir -p " + debs + " && cd " + debs
                        + " && apt-get download busybox && dpkg-deb -x busybox_*.deb busybox"
                        + " (if apt cannot find the package, run apt-get update first)";
                Result download;
                try {
                    download = run(work, 600, "apt-get", "download", "busybox");
                } catch (IOException e) {
                    throw new IOException("cannot run apt-get download busybox (" + e.getMessage() + "); " + howTo, e);
                }
                if (download.exit != 0) {
                    throw new IOException("cannot fetch Debian's dynamic busybox, which the critest busybox image needs"
                            + " (apt-get download busybox exited " + download.exit + ": " + download.output.strip()
                            + "). This machine must reach Debian's archive once; or " + howTo);
                }
                Path deb;
                try (Stream<Path> s = Files.list(work)) {
                    deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                            .orElseThrow(() -> new IOException("apt-get download busybox left no .deb in " + work
                                    + ": " + download.output.strip() + "; " + howTo));
                }
                Path tree = work.resolve("busybox");
                Result extract = run(work, 120, "dpkg-deb", "-x", deb.toString(), tree.toString());
                if (extract.exit != 0 || !Files.isExecutable(tree.resolve("bin/busybox"))) {
                    throw new IOException("dpkg-deb -x " + deb + " gave no bin/busybox (exit " + extract.exit + "): "
                            + extract.output.strip() + "; " + howTo);
                }
                Files.move(deb, debs.resolve(deb.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                Files.move(tree, extracted, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(work);
            }
            return busybox;
        }
    }

    private static String ldd(Path binary) {
        try {
            Result r = run(binary.getParent(), 60, "ldd", binary.toString());
            if (r.exit != 0) {
                throw new IllegalStateException("ldd " + binary + " exited " + r.exit + ": " + r.output);
            }
            return r.output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run ldd on " + binary, e);
        }
    }

    /** ldd's lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)". */
    static List<Library> parseLdd(String output) {
        List<Library> libs = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.isBlank() || line.contains("linux-vdso") || line.contains("linux-gate")) {
                continue;
            }
            if (line.contains("not found")) {
                throw new IllegalStateException("Debian's busybox needs a library this host lacks: " + line.strip()
                        + "; ldd said:\n" + output);
            }
            Matcher m = RESOLVED.matcher(line);
            String path;
            if (m.matches()) {
                path = m.group(2);
            } else if ((m = LOADER.matcher(line)).matches()) {
                path = m.group(1);
            } else {
                throw new IllegalStateException("unexpected ldd line '" + line + "' in:\n" + output);
            }
            Path host = Path.of(path);
            if (!Files.isRegularFile(host)) {
                throw new IllegalStateException("Debian's busybox needs " + path + ", which is missing on this host");
            }
            try {
                libs.add(new Library(path.substring(1), host.toRealPath()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (libs.stream().noneMatch(l -> l.imagePath().contains("ld-linux"))
                || libs.stream().noneMatch(l -> l.imagePath().contains("libc.so"))) {
            throw new IllegalStateException("ldd names no loader or no libc for Debian's busybox:\n" + output);
        }
        return libs;
    }

    private record Result(int exit, String output) {}

    private static Result run(Path dir, int timeoutSeconds, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out: " + out);
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
