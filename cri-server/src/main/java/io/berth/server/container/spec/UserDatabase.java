package io.berth.server.container.spec;

import io.berth.common.error.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code /etc/passwd} and {@code /etc/group} of a container root filesystem, read through
 * {@link RootScopedPath} and bounded in size. Malformed lines are skipped, as libc does.
 */
public final class UserDatabase {
    /** Far beyond any real passwd/group file; keeps a hostile image from making berthd read gigabytes. */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
    static final long MAX_ID = 0xFFFF_FFFFL;

    public record PasswdEntry(String name, long uid, long gid) {}

    public record GroupEntry(String name, long gid, List<String> members) {}

    private final List<PasswdEntry> users;
    private final List<GroupEntry> groups;

    UserDatabase(List<PasswdEntry> users, List<GroupEntry> groups) {
        this.users = List.copyOf(users);
        this.groups = List.copyOf(groups);
    }

    public static UserDatabase read(Path rootfs) {
        List<PasswdEntry> users = new ArrayList<>();
        for (String[] f : fields(rootfs, "/etc/passwd", 4)) {
            Optional<Long> uid = parseId(f[2]);
            Optional<Long> gid = parseId(f[3]);
            if (!f[0].isEmpty() && uid.isPresent() && gid.isPresent()) {
                users.add(new PasswdEntry(f[0], uid.get(), gid.get()));
            }
        }
        List<GroupEntry> groups = new ArrayList<>();
        for (String[] f : fields(rootfs, "/etc/group", 3)) {
            Optional<Long> gid = parseId(f[2]);
            if (!f[0].isEmpty() && gid.isPresent()) {
                List<String> members = f.length > 3 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.of();
                groups.add(new GroupEntry(f[0], gid.get(), members));
            }
        }
        return new UserDatabase(users, groups);
    }

    public Optional<PasswdEntry> userByName(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public Optional<PasswdEntry> userById(long uid) {
        return users.stream().filter(u -> u.uid() == uid).findFirst();
    }

    public Optional<GroupEntry> groupByName(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** Groups that list {@code user} as a member, except the group named like the user (its primary). */
    public List<Long> supplementaryGids(String user) {
        return groups.stream()
                .filter(g -> !g.name().equals(user) && g.members().contains(user))
                .map(GroupEntry::gid)
                .toList();
    }

    /** A decimal id in the 32-bit range, or empty; {@code -1} ("no id") and overflows are not ids. */
    public static Optional<Long> parseId(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long v = Long.parseLong(s);
        return v <= MAX_ID ? Optional.of(v) : Optional.empty();
    }

    private static List<String[]> fields(Path rootfs, String file, int minFields) {
        Path p = RootScopedPath.resolve(rootfs, file);
        List<String[]> out = new ArrayList<>();
        // A FIFO or device here would block or stream forever; only a regular file is a database.
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " of the container root filesystem", e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InvalidArgumentException("image " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length >= minFields) {
                out.add(f);
            }
        }
        return out;
    }
}
