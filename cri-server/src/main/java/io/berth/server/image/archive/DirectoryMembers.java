package io.berth.server.image.archive;

import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The members of an image layout directory, read in place and never through a symbolic link: each member
 * is reached from the layout's root one component at a time, every step an {@code openat} with
 * {@code O_NOFOLLOW} relative to the directory before it (Java's {@link SecureDirectoryStream}), so that
 * neither a link in the layout nor one swapped in while it is read can lead out of it. A link where a
 * member should be is an error naming it.
 */
final class DirectoryMembers implements ArchiveMembers {
    private final SecureDirectoryStream<Path> root;
    private final LeasedIngest ingest;

    private DirectoryMembers(SecureDirectoryStream<Path> root, LeasedIngest ingest) {
        this.root = root;
        this.ingest = ingest;
    }

    static DirectoryMembers open(Path dir, LeasedIngest ingest) {
        DirectoryStream<Path> stream;
        try {
            stream = Files.newDirectoryStream(dir);
        } catch (IOException e) {
            throw new InvalidArgumentException("the directory cannot be read: " + e.getMessage(), e);
        }
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            closeQuietly(stream);
            throw new InvalidArgumentException("this platform cannot read a directory without following symbolic"
                    + " links; give the layout as a tar archive");
        }
        return new DirectoryMembers(secure, ingest);
    }

    @Override
    public boolean contains(String name) {
        try {
            open(name).close();
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw unreadable(name, e);
        }
    }

    @Override
    public byte[] readDocument(String name, long maxBytes) {
        try (SeekableByteChannel file = open(name)) {
            if (file.size() > maxBytes) {
                throw new InvalidArgumentException("member " + name + " is " + file.size() + " bytes, more than the "
                        + maxBytes + " allowed for it");
            }
            return Channels.newInputStream(file).readNBytes((int) maxBytes);
        } catch (IOException e) {
            throw unreadable(name, e);
        }
    }

    @Override
    public BlobInfo identify(String name) {
        MessageDigest sha256 = Digest.newSha256();
        long size = 0;
        byte[] buffer = new byte[64 * 1024];
        try (SeekableByteChannel file = open(name); InputStream in = Channels.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha256.update(buffer, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw unreadable(name, e);
        }
        return new BlobInfo(new Digest(Digest.SHA256, HexFormat.of().formatHex(sha256.digest())), size);
    }

    @Override
    public void store(String name, Digest digest, long size) {
        // Opened first: a member the layout lacks is the layout's fault even when the store has the blob.
        SeekableByteChannel file;
        try {
            file = open(name);
        } catch (IOException e) {
            throw unreadable(name, e);
        }
        try (SeekableByteChannel opened = file) {
            ingest.ingest(digest, size, name, sink -> LeasedIngest.copy(Channels.newInputStream(opened), sink, name));
        } catch (IOException e) {
            throw unreadable(name, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(root);
    }

    /** Opens a regular file of the layout, walking its path without following any link. */
    private SeekableByteChannel open(String name) throws IOException {
        String[] components = name.split("/");
        List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
        try {
            SecureDirectoryStream<Path> dir = root;
            for (int i = 0; i < components.length - 1; i++) {
                requireKind(dir, components[i], name, true);
                dir = dir.newDirectoryStream(Path.of(components[i]), LinkOption.NOFOLLOW_LINKS);
                opened.add(dir);
            }
            String last = components[components.length - 1];
            requireKind(dir, last, name, false);
            return dir.newByteChannel(Path.of(last), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } finally {
            opened.forEach(DirectoryMembers::closeQuietly);
        }
    }

    private static void requireKind(SecureDirectoryStream<Path> dir, String component, String member,
            boolean directory) throws IOException {
        BasicFileAttributes attributes = dir.getFileAttributeView(Path.of(component), BasicFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS).readAttributes();
        if (attributes.isSymbolicLink()) {
            throw new InvalidArgumentException("member " + member + ": '" + component + "' is a symbolic link; a"
                    + " layout directory is read without following links");
        }
        if (directory ? !attributes.isDirectory() : !attributes.isRegularFile()) {
            throw new InvalidArgumentException("member " + member + ": '" + component + "' is not a "
                    + (directory ? "directory" : "regular file"));
        }
    }

    private static InvalidArgumentException unreadable(String member, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new InvalidArgumentException("the archive has no member " + member);
        }
        return new InvalidArgumentException("member " + member + " cannot be read: " + e.getMessage(), e);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // a directory opened only for reading: nothing was written that closing could lose
        }
    }
}
