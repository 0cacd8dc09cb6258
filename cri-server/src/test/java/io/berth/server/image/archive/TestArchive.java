package io.berth.server.image.archive;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The members of an image archive, in the order given, written as a tar (by commons-compress, so that the
 * reader is tested against a writer other than berth's own), a gzipped tar or a directory. Any name goes in,
 * hostile ones included.
 */
final class TestArchive {
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Map<String, String> symlinks = new LinkedHashMap<>();
    private final Map<String, Character> specials = new LinkedHashMap<>();

    TestArchive file(String name, byte[] content) {
        files.put(name, content);
        return this;
    }

    TestArchive text(String name, String content) {
        return file(name, content.getBytes(UTF_8));
    }

    TestArchive symlink(String name, String target) {
        symlinks.put(name, target);
        return this;
    }

    /** A member of another tar type ({@code '3'} a character device, {@code '6'} a fifo...). */
    TestArchive special(String name, char type) {
        specials.put(name, type);
        return this;
    }

    TestArchive without(String name) {
        files.remove(name);
        return this;
    }

    byte[] content(String name) {
        return files.get(name);
    }

    byte[] tar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey(), true);
                entry.setSize(file.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, String> link : symlinks.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(link.getKey(), TarArchiveEntry.LF_SYMLINK, true);
                entry.setLinkName(link.getValue());
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
            }
            for (Map.Entry<String, Character> special : specials.entrySet()) {
                tar.putArchiveEntry(new TarArchiveEntry(special.getKey(), (byte) special.getValue().charValue(), true));
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    byte[] tarGz() {
        return gzip(tar());
    }

    Path writeTar(Path file) {
        return write(file, tar());
    }

    Path writeTarGz(Path file) {
        return write(file, tarGz());
    }

    /** The members as a directory tree; symbolic links are made as such. */
    Path writeDirectory(Path dir) {
        try {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path path = dir.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.write(path, file.getValue());
            }
            for (Map.Entry<String, String> link : symlinks.entrySet()) {
                Path path = dir.resolve(link.getKey());
                Files.createDirectories(path.getParent());
                Files.createSymbolicLink(path, Path.of(link.getValue()));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
