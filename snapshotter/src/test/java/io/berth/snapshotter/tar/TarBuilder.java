package io.berth.snapshotter.tar;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tars in tests, entry by entry, the way image builders write them, and hostile ones at will. */
public final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");
    private int uid;
    private int gid;
    private Instant mtime = Instant.parse("2020-01-01T00:00:00Z");

    public TarBuilder() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Long names and link targets as GNU tar writes them: {@code L} and {@code K} records, not PAX. */
    public TarBuilder gnuLongNames() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
        return this;
    }

    public TarBuilder owner(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    public TarBuilder mtime(Instant mtime) {
        this.mtime = mtime;
        return this;
    }

    public TarBuilder dir(String name, int mode) {
        return put(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
    }

    public TarBuilder file(String name, String content) {
        return file(name, content, 0644);
    }

    public TarBuilder file(String name, String content, int mode) {
        return put(entry(name, TarConstants.LF_NORMAL, mode), content.getBytes(StandardCharsets.UTF_8));
    }

    public TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
        e.setLinkName(target);
        return put(e, null);
    }

    public TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
        e.setLinkName(target);
        return put(e, null);
    }

    public TarBuilder device(String name, boolean block, int major, int minor) {
        TarArchiveEntry e = entry(name, block ? TarConstants.LF_BLK : TarConstants.LF_CHR, 0660);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, null);
    }

    public TarBuilder fifo(String name) {
        return put(entry(name, TarConstants.LF_FIFO, 0640), null);
    }

    /** An entry of any tar type, without content: for types no image should hold. */
    public TarBuilder special(String name, char type) {
        return put(entry(name, (byte) type, 0644), null);
    }

    /**
     * A regular file preceded by a PAX header whose xattr value is raw bytes, as Go's archive/tar writes
     * binary values such as {@code security.capability} (commons-compress would write them as UTF-8).
     */
    public TarBuilder fileWithXattr(String name, String content, String xattr, byte[] value) {
        return pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, name, "SCHILY.xattr." + xattr, value).file(name, content);
    }

    /**
     * A bare PAX record: {@code 'x'} applies to the next entry (several in a row merge), {@code 'g'} to
     * every entry after it. Written by hand so that hostile layers can repeat them at will.
     */
    public TarBuilder pax(byte type, String forEntry, String key, byte[] value) {
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
        return paxRecords(type, forEntry, record.toByteArray());
    }

    /** A PAX header whose content is {@code records} verbatim, well-formed or not. */
    public TarBuilder paxRecords(byte type, String forEntry, byte[] records) {
        return put(entry("PaxHeaders/" + forEntry, type, 0644), records);
    }

    /** A directory entry preceded by a PAX xattr record. */
    public TarBuilder dirWithXattr(String name, int mode, String xattr, byte[] value) {
        return pax(TarConstants.LF_PAX_EXTENDED_HEADER_LC, name, "SCHILY.xattr." + xattr, value).dir(name, mode);
    }

    public byte[] bytes() {
        try {
            tar.finish();
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public InputStream stream() {
        return new ByteArrayInputStream(bytes());
    }

    /**
     * A copy of {@code tar} with {@code value} written at {@code field} of the header block at {@code header},
     * its checksum made right again: a hostile header that a tar writer would not write.
     */
    public static byte[] patch(byte[] tar, int header, int field, byte[] value) {
        byte[] patched = tar.clone();
        System.arraycopy(value, 0, patched, header + field, value.length);
        Arrays.fill(patched, header + 148, header + 156, (byte) ' ');
        long sum = 0;
        for (int i = header; i < header + 512; i++) {
            sum += patched[i] & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(checksum, 0, patched, header + 148, checksum.length);
        return patched;
    }

    public static byte[] gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        }
        return out.toByteArray();
    }

    public static byte[] zstd(byte[] tar) throws IOException {
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
