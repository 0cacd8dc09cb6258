package io.berth.snapshotter.apply;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in tests, entry by entry, the way image builders write them. */
final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");
    private int uid;
    private int gid;
    private Instant mtime = Instant.parse("2020-01-01T00:00:00Z");

    TarBuilder() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TarBuilder owner(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    TarBuilder mtime(Instant mtime) {
        this.mtime = mtime;
        return this;
    }

    TarBuilder dir(String name, int mode) {
        return put(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
    }

    TarBuilder file(String name, String content) {
        return file(name, content, 0644);
    }

    TarBuilder file(String name, String content, int mode) {
        return put(entry(name, TarConstants.LF_NORMAL, mode), content.getBytes(StandardCharsets.UTF_8));
    }

    TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
        e.setLinkName(target);
        return put(e, null);
    }

    TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
        e.setLinkName(target);
        return put(e, null);
    }

    TarBuilder device(String name, boolean block, int major, int minor) {
        TarArchiveEntry e = entry(name, block ? TarConstants.LF_BLK : TarConstants.LF_CHR, 0660);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, null);
    }

    TarBuilder fifo(String name) {
        return put(entry(name, TarConstants.LF_FIFO, 0640), null);
    }

    /**
     * A regular file preceded by a PAX header whose xattr value is raw bytes, as Go's archive/tar writes
     * binary values such as {@code security.capability} (commons-compress would write them as UTF-8).
     */
    TarBuilder fileWithXattr(String name, String content, String xattr, byte[] value) {
        return pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, name, "SCHILY.xattr." + xattr, value).file(name, content);
    }

    /**
     * A bare PAX record: {@code 'x'} applies to the next entry (several in a row merge), {@code 'g'} to
     * every entry after it. Written by hand so that hostile layers can repeat them at will.
     */
    TarBuilder pax(byte type, String forEntry, String key, byte[] value) {
        if (type == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER) {
            // commons-compress writes a global header's records itself, from the entry's PAX headers.
            TarArchiveEntry e = entry("GlobalHead/" + forEntry, type, 0644);
            e.addPaxHeader(key, new String(value, StandardCharsets.UTF_8));
            try {
                tar.putArchiveEntry(e); // complete as it is: no content of its own, nothing to close
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            return this;
        }
        byte[] k = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
        int bodyLength = k.length + value.length + 1;
        int length = bodyLength + Integer.toString(bodyLength).length();
        if (Integer.toString(length).length() != Integer.toString(bodyLength).length()) {
            length++;
        }
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
        record.writeBytes(k);
        record.writeBytes(value);
        record.write('\n');
        return put(entry("PaxHeaders/" + forEntry, type, 0644), record.toByteArray());
    }

    /** A directory entry preceded by a PAX xattr record. */
    TarBuilder dirWithXattr(String name, int mode, String xattr, byte[] value) {
        return pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, name, "SCHILY.xattr." + xattr, value).dir(name, mode);
    }

    byte[] bytes() {
        try {
            tar.finish();
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    InputStream stream() {
        return new ByteArrayInputStream(bytes());
    }

    static byte[] gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(tar);
        }
        return out.toByteArray();
    }

    private TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setModTime(mtime.toEpochMilli());
        return e;
    }

    private TarBuilder put(TarArchiveEntry e, byte[] content) {
        try {
            if (content != null) {
                e.setSize(content.length);
            }
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }
}
