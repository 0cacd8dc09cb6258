package io.berth.linux;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns paths and names into the NUL-terminated bytes libc expects, with the charset the JVM uses for
 * file names, so that a name created through NIO and one created through libc are the same name.
 */
final class NativePaths {
    private static final Charset FILE_NAMES = fileNameCharset();

    private NativePaths() {}

    static byte[] of(Path path) {
        return cString(path.toString());
    }

    static byte[] cString(String s) {
        if (s == null) {
            return null;
        }
        byte[] raw = s.getBytes(FILE_NAMES);
        for (byte b : raw) {
            if (b == 0) {
                // A NUL would silently cut the string short and name a different file.
                throw new IllegalArgumentException("name contains a NUL byte: " + s.replace('\0', '?'));
            }
        }
        return Arrays.copyOf(raw, raw.length + 1);
    }

    static String decode(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, FILE_NAMES);
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
