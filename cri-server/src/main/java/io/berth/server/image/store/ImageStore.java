package io.berth.server.image.store;

import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.store.RecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Image records under {@code <root>/images/}, one per image id, answered from memory. A tag points at one
 * image at a time: recording a pull of a tag moves it off the image that had it (which keeps its other
 * names, or stays listed without a tag, as containerd does).
 *
 * <p>Writers are serialized on this object; readers see immutable {@link StoredImage} values.
 */
public final class ImageStore {
    private static final Logger LOG = Logger.getLogger(ImageStore.class.getName());
    public static final String KIND = "image";
    private static final Pattern FULL_ID = Pattern.compile("(?:sha256:)?([0-9a-f]{64})");
    private static final Pattern ID_PREFIX = Pattern.compile("(?:sha256:)?([0-9a-f]{1,63})");

    private final RecordStore<ImageMetadata, ImageRefStatus> records;
    private final Clock clock;

    public ImageStore(Path dir, Clock clock) throws IOException {
        this.records = new RecordStore<>(KIND, dir, ImageMetadata.class, ImageRefStatus.class);
        this.clock = clock;
        settleDuplicateTags();
    }

    /** Every image, oldest pull first. */
    public List<StoredImage> list() {
        return records.list().stream()
                .map(r -> new StoredImage(r.metadata(), r.status()))
                .sorted(Comparator.comparing((StoredImage i) -> i.metadata().pulledAt()).thenComparing(StoredImage::id))
                .toList();
    }

    public Optional<StoredImage> byId(String id) {
        return records.find(id).map(r -> new StoredImage(r.metadata(), r.status()));
    }

    /**
     * The image that {@code text} names: its id ({@code sha256:<hex>} or bare hex), a tag or a digest
     * reference in any form Docker accepts ({@code busybox}, {@code docker.io/library/busybox:latest},
     * {@code host:5000/app@sha256:...}), or a unique id prefix. Empty when nothing matches.
     */
    public Optional<StoredImage> find(String text) {
        Require.nonEmpty(text, "image");
        var full = FULL_ID.matcher(text);
        if (full.matches()) {
            return byId("sha256:" + full.group(1));
        }
        Optional<ImageReference> ref = parse(text);
        if (ref.isPresent()) {
            Optional<StoredImage> named = byReference(ref.get());
            if (named.isPresent()) {
                return named;
            }
        }
        var prefix = ID_PREFIX.matcher(text);
        if (prefix.matches()) {
            return byIdPrefix("sha256:" + prefix.group(1));
        }
        return Optional.empty();
    }

    /** The image a normalized tag or digest reference points at. */
    public Optional<StoredImage> byReference(ImageReference ref) {
        String name = ref.digest() != null ? ref.name() + "@" + ref.digest() : ref.toString();
        return list().stream()
                .filter(i -> ref.digest() != null ? i.repoDigests().contains(name) : i.repoTags().contains(name))
                .findFirst();
    }

    private Optional<StoredImage> byIdPrefix(String prefix) {
        List<StoredImage> matches = list().stream().filter(i -> i.id().startsWith(prefix)).toList();
        if (matches.size() > 1) {
            throw new InvalidArgumentException("image id prefix " + prefix + " matches " + matches.size()
                    + " images; give more of the id");
        }
        return matches.stream().findFirst();
    }

    /**
     * Records a finished pull of {@code ref}: creates the image if it is new, adds the tag (moving it off
     * any other image) and the repo digest. Returns the image as stored.
     */
    public StoredImage recordPull(ImageMetadata metadata, ImageReference ref, Digest repoDigest,
            List<String> manifests) {
        List<ImageReference> tags = ref.hasTag() && ref.digest() == null ? List.of(ref) : List.of();
        return record(metadata, tags, List.of(ref.name() + "@" + repoDigest), manifests);
    }

    /**
     * Records an image a pull or an archive import brought: creates it if it is new (an existing record keeps
     * its metadata), adds each of {@code tags} (moving it off any other image), each {@code name@digest} of
     * {@code repoDigests} and the manifests kept for it. With no tags and no repo digests the image is known
     * by its id alone. Returns the image as stored.
     */
    public synchronized StoredImage record(ImageMetadata metadata, List<ImageReference> tags, List<String> repoDigests,
            List<String> manifests) {
        String now = clock.instant().toString();
        List<String> tagNames = tags.stream().map(ImageReference::toString).toList();
        if (records.find(metadata.id()).isEmpty()) {
            records.create(metadata.id(), metadata, ImageRefStatus.empty(now));
        }
        var updated = records.update(metadata.id(), refs -> {
            ImageRefStatus changed = refs.withDigest(null, manifests, now);
            for (String tag : tagNames) {
                changed = changed.withTag(tag, now);
            }
            for (String repoDigest : repoDigests) {
                changed = changed.withDigest(repoDigest, List.of(), now);
            }
            return changed;
        });
        for (String tag : tagNames) {
            // The new holder is on disk first: a crash in between leaves the tag on both, which open settles.
            for (StoredImage other : list()) {
                if (!other.id().equals(metadata.id()) && other.repoTags().contains(tag)) {
                    LOG.info("tag " + tag + " moves from image " + other.id() + " to " + metadata.id());
                    records.update(other.id(), refs -> refs.withoutTag(tag, now));
                }
            }
        }
        return new StoredImage(updated.metadata(), updated.status());
    }

    /** Drops {@code tag} from the image; returns the image as it is now. */
    public synchronized StoredImage untag(String id, String tag) {
        String now = clock.instant().toString();
        var updated = records.update(id, refs -> refs.withoutTag(tag, now));
        return new StoredImage(updated.metadata(), updated.status());
    }

    /** Deletes the record; deleting one that is gone is not an error. */
    public synchronized void delete(String id) {
        records.delete(id);
    }

    private static Optional<ImageReference> parse(String text) {
        try {
            return Optional.of(ImageReference.parse(text));
        } catch (InvalidArgumentException e) {
            return Optional.empty();
        }
    }

    /** After a crash in the middle of moving a tag, the most recently updated image keeps it. */
    private synchronized void settleDuplicateTags() {
        Map<String, StoredImage> holder = new HashMap<>();
        for (StoredImage image : list()) {
            for (String tag : image.repoTags()) {
                StoredImage previous = holder.get(tag);
                if (previous == null) {
                    holder.put(tag, image);
                    continue;
                }
                boolean newer = image.refs().updated().compareTo(previous.refs().updated()) > 0;
                StoredImage loser = newer ? previous : image;
                holder.put(tag, newer ? image : previous);
                LOG.warning("tag " + tag + " was on two images after a crash; it stays on "
                        + holder.get(tag).id() + " and leaves " + loser.id());
                records.update(loser.id(), refs -> refs.withoutTag(tag, refs.updated()));
            }
        }
    }
}
