package io.berth.snapshotter.tar;

import io.berth.common.error.InvalidArgumentException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes the fields of a tar header block and of PAX records. Every failure is the input's fault, so
 * each is an {@link InvalidArgumentException} naming the offset of the header it came from.
 */
final class TarFields {
    static final int BLOCK = 512;
    private static final int CHECKSUM_OFFSET = 148;
    private static final int CHECKSUM_LENGTH = 8;

    private TarFields() {}

    /**
     * Checks the header checksum, accepting the signed sum as well as the unsigned one (old tars summed
     * signed bytes, and Go and GNU tar accept both).
     */
    static void verifyChecksum(byte[] block, long at) {
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH) ? (byte) ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        long recorded;
        try {
            recorded = number(block, CHECKSUM_OFFSET, CHECKSUM_LENGTH, "checksum", at);
        } catch (InvalidArgumentException e) {
            recorded = -1;
        }
        if (recorded != unsigned && recorded != signed) {
            throw new InvalidArgumentException("not a valid tar archive, or a corrupt one: bad header checksum at"
                    + " offset " + at);
        }
    }

    /** A numeric header field: octal text, or base-256 when the top bit of the first byte is set. */
    static long number(byte[] block, int off, int len, String field, long at) {
        if ((block[off] & 0x80) != 0) {
            if ((block[off] & 0x40) != 0) {
                throw new InvalidArgumentException("tar header at offset " + at + ": negative " + field);
            }
            long value = block[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (value > (Long.MAX_VALUE >> 8)) {
                    throw new InvalidArgumentException("tar header at offset " + at + ": " + field + " too large");
                }
                value = (value << 8) | (block[i] & 0xff);
            }
            return value;
        }
        long value = 0;
        int i = off;
        while (i < off + len && (block[i] == ' ' || block[i] == 0)) {
            i++;
        }
        for (; i < off + len && block[i] != 0 && block[i] != ' '; i++) {
            if (block[i] < '0' || block[i] > '7') {
                throw new InvalidArgumentException("tar header at offset " + at + ": " + field
                        + " is not an octal number");
            }
            value = (value << 3) | (block[i] - '0');
        }
        return value;
    }

    /** A NUL-terminated (or field-long) string, as UTF-8. */
    static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /**
     * PAX records: {@code "<len> <key>=<value>\n"}, where len counts the whole record. Values stay bytes:
     * an xattr value such as {@code security.capability} is binary, and decoding it as text would corrupt it.
     */
    static Map<String, byte[]> parsePax(byte[] data, long at) {
        Map<String, byte[]> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = indexOf(data, (byte) ' ', pos);
            int len;
            try {
                len = space < 0 ? -1 : Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                len = -1;
            }
            // Compared before adding, so that a huge length cannot wrap the end around.
            boolean fits = len > 0 && len <= data.length - pos;
            int end = fits ? pos + len : -1;
            int equals = space < 0 ? -1 : indexOf(data, (byte) '=', space + 1);
            if (!fits || data[end - 1] != '\n' || equals < 0 || equals >= end) {
                throw new InvalidArgumentException("malformed PAX record in the tar header at offset " + at);
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            records.put(key, Arrays.copyOfRange(data, equals + 1, end - 1));
            pos = end;
        }
        return records;
    }

    static long paxLong(String key, String value, long at) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("tar PAX record at offset " + at + ": " + key + " is not a number");
        }
    }

    /** A PAX time: decimal seconds since the epoch, with an optional fraction. */
    static Instant paxTime(String value, long at) {
        try {
            BigDecimal seconds = new BigDecimal(value);
            long whole = seconds.setScale(0, RoundingMode.FLOOR).longValueExact();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(whole, nanos);
        } catch (ArithmeticException | NumberFormatException | DateTimeException e) {
            throw new InvalidArgumentException("tar PAX record at offset " + at + ": mtime is not a time");
        }
    }

    /** The header's mtime field: a base-256 value can be beyond what an {@link Instant} holds. */
    static Instant time(long seconds, long at) {
        try {
            return Instant.ofEpochSecond(seconds);
        } catch (DateTimeException e) {
            throw new InvalidArgumentException("tar header at offset " + at + ": mtime " + seconds + " is not a time");
        }
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte what, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == what) {
                return i;
            }
        }
        return -1;
    }
}
