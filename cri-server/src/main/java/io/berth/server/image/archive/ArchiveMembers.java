package io.berth.server.image.archive;

import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.Digest;

/**
 * The members of an image archive by canonical name ({@link MemberNames}), wherever they are: a tar read
 * once from start to end, or a layout directory read in place. Closing drops whatever was staged.
 */
interface ArchiveMembers extends AutoCloseable {

    boolean contains(String name);

    /** A small member (index.json, manifest.json, oci-layout, a config), refused when over {@code maxBytes}. */
    byte[] readDocument(String name, long maxBytes);

    /** The digest and size of a member's content, computed when the archive does not name it by digest. */
    BlobInfo identify(String name);

    /**
     * Puts the member's content into the content store as blob {@code digest} of {@code size} bytes, checked
     * against both, leased for this import.
     */
    void store(String name, Digest digest, long size);

    @Override
    void close();
}
