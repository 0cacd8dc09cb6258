package io.berth.server.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.BerthException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.error.NotFoundException;
import io.berth.common.error.UnavailableException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reclaim.ImageReclaimer;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.ManifestParser;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Writes one image as an OCI image layout tar: {@code oci-layout}, {@code index.json} with one entry, and
 * the blobs exactly as stored (compressed layers as pulled), in sorted order with fixed times, so that one
 * image always gives the same bytes. The entry is what the reference's repo digest points at, the index
 * included when the image was pulled through one (then only this platform's manifest is in the archive, as
 * with {@code ctr export} by default; an import picks that manifest out again). The entry is named by the
 * reference as given ({@code org.opencontainers.image.ref.name}) and normalized
 * ({@code io.containerd.image.name}); an image given by id is written unnamed.
 *
 * <p>Should the content store no longer hold a complete manifest of the image, one is made from the image
 * record as a docker save import makes one: the image id and layers are the same, the manifest digest is not.
 */
final class ImageExporter {
    private static final Logger LOG = Logger.getLogger(ImageExporter.class.getName());

    /** The archive's entry: the documents it needs (in memory, small) and the stored blobs it names. */
    private record Plan(Descriptor top, Map<Digest, byte[]> documents, Set<Digest> blobs) {}

    /** A stored manifest or index: its descriptor as told by its content, its bytes, its parsed JSON. */
    private record Document(Descriptor descriptor, byte[] bytes, JsonNode json) {
        String mediaType() {
            return descriptor.mediaType();
        }
    }

    private final ImageStore images;
    private final ContentStore content;
    private final ImageReclaimer reclaimer;
    private final long maxDocumentBytes;

    ImageExporter(ImageStore images, ContentStore content, ImageReclaimer reclaimer, long maxDocumentBytes) {
        this.images = images;
        this.content = content;
        this.reclaimer = reclaimer;
        this.maxDocumentBytes = maxDocumentBytes;
    }

    void export(String reference, OutputStream out) {
        StoredImage image = images.find(Require.nonEmpty(reference, "image")).orElseThrow(() -> new NotFoundException(
                "image " + Require.printable(reference) + " is not on this node"));
        Optional<ImageReference> name = nameOf(reference, image);
        // Held while the blobs are read, so that a RemoveImage meanwhile cannot delete them under the export.
        try (ImageReclaimer.Lease lease = reclaimer.lease()) {
            image.blobs().forEach(blob -> lease.blob(Digest.parse(blob)));
            Plan plan = plan(image, name);
            Map<String, String> annotations = name.map(n -> Map.of(ArchiveJson.CONTAINERD_NAME, n.toString(),
                    ArchiveJson.OCI_REF_NAME, reference)).orElse(Map.of());
            write(plan, ArchiveJson.index(plan.top(), annotations), out);
            LOG.info("exported image " + image.id() + " as " + reference + " (" + plan.top().digest() + ")");
        } catch (IOException e) {
            throw new UnavailableException("writing the archive of image " + Require.printable(reference)
                    + " failed: " + e.getMessage(), e);
        }
    }

    /** The name the reference gave, when it named the image rather than giving its id. */
    private static Optional<ImageReference> nameOf(String reference, StoredImage image) {
        try {
            ImageReference ref = ImageReference.parse(reference);
            boolean names = ref.digest() != null ? image.repoDigests().contains(ref.name() + "@" + ref.digest())
                    : image.repoTags().contains(ref.toString());
            return names ? Optional.of(ref) : Optional.empty();
        } catch (InvalidArgumentException e) {
            return Optional.empty();
        }
    }

    /** The stored manifest that the name points at, else any complete one of the image, else one made anew. */
    private Plan plan(StoredImage image, Optional<ImageReference> name) {
        Set<String> candidates = new LinkedHashSet<>();
        name.ifPresent(n -> {
            if (n.digest() != null) {
                candidates.add(n.digest().toString());
            }
            image.repoDigests().stream().filter(d -> d.startsWith(n.name() + "@"))
                    .forEach(d -> candidates.add(d.substring(d.indexOf('@') + 1)));
        });
        image.repoDigests().forEach(d -> candidates.add(d.substring(d.indexOf('@') + 1)));
        candidates.addAll(image.refs().manifests());
        for (String candidate : candidates) {
            Optional<Plan> plan = stored(Digest.parse(candidate), image);
            if (plan.isPresent()) {
                return plan.get();
            }
        }
        LOG.warning("no complete manifest of image " + image.id() + " is in the content store; exporting one made"
                + " from its record (same image id and layers, another manifest digest)");
        return made(image);
    }

    /** The plan for a stored manifest, or index of which this image's manifest is stored; empty when unusable. */
    private Optional<Plan> stored(Digest digest, StoredImage image) {
        Optional<Document> top = document(digest);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        if (MediaTypes.isImageManifest(top.get().mediaType())) {
            return complete(top.get(), image).map(manifest -> plan(top.get(), Optional.empty(), manifest));
        }
        if (!MediaTypes.isIndex(top.get().mediaType())) {
            return Optional.empty();
        }
        List<Descriptor> entries;
        try {
            entries = ManifestParser.parseIndex(top.get().json(), digest.toString());
        } catch (BerthException e) {
            return Optional.empty();
        }
        for (Descriptor entry : entries) {
            boolean thisImages = image.refs().manifests().contains(entry.digest().toString());
            if (MediaTypes.isImageManifest(entry.mediaType()) && thisImages) {
                Optional<Document> manifest = document(entry.digest());
                Optional<ImageManifest> parsed = manifest.flatMap(m -> complete(m, image));
                if (parsed.isPresent()) {
                    return Optional.of(plan(top.get(), manifest, parsed.get()));
                }
            }
        }
        return Optional.empty();
    }

    /** A stored manifest or index, parsed; empty when it is missing or unreadable. */
    private Optional<Document> document(Digest digest) {
        try {
            Optional<BlobInfo> info = content.info(digest);
            if (info.isEmpty() || info.get().size() > maxDocumentBytes) {
                return Optional.empty();
            }
            byte[] bytes = content.readAll(digest, maxDocumentBytes);
            JsonNode json = ManifestParser.readTree(bytes, digest.toString());
            String mediaType = ManifestParser.mediaTypeOf(null, json, digest.toString());
            return Optional.of(new Document(new Descriptor(mediaType, digest, bytes.length), bytes, json));
        } catch (BerthException e) {
            LOG.fine("stored manifest " + digest + " is unusable for an export: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The manifest, when it is this image's and every blob it names is stored at its size. */
    private Optional<ImageManifest> complete(Document document, StoredImage image) {
        try {
            ImageManifest manifest = ManifestParser.parseManifest(document.json(), document.mediaType(),
                    document.descriptor().digest().toString());
            if (!manifest.config().digest().toString().equals(image.id())) {
                return Optional.empty();
            }
            boolean stored = Stream.concat(Stream.of(manifest.config()), manifest.layers().stream())
                    .allMatch(d -> content.info(d.digest()).filter(info -> info.size() == d.size()).isPresent());
            return stored ? Optional.of(manifest) : Optional.empty();
        } catch (BerthException e) {
            return Optional.empty();
        }
    }

    private static Plan plan(Document top, Optional<Document> manifest, ImageManifest parsed) {
        Map<Digest, byte[]> documents = new HashMap<>();
        documents.put(top.descriptor().digest(), top.bytes());
        manifest.ifPresent(m -> documents.put(m.descriptor().digest(), m.bytes()));
        Set<Digest> blobs = new LinkedHashSet<>();
        blobs.add(parsed.config().digest());
        parsed.layers().forEach(l -> blobs.add(l.digest()));
        return new Plan(top.descriptor(), documents, blobs);
    }

    /** A manifest made from the image record, layer media types told by the blobs' first bytes. */
    private Plan made(StoredImage image) {
        Digest config = Digest.parse(image.id());
        List<Descriptor> layers = new ArrayList<>();
        for (String layer : image.metadata().layerDigests()) {
            Digest digest = Digest.parse(layer);
            long size = storedSize(digest);
            try (InputStream in = content.read(digest)) {
                layers.add(new Descriptor(LayerMediaType.of(in), digest, size));
            } catch (IOException e) {
                throw new InternalException("cannot read blob " + digest + ": " + e.getMessage(), e);
            }
        }
        ImageManifest manifest = new ImageManifest(MediaTypes.OCI_MANIFEST,
                new Descriptor(MediaTypes.OCI_CONFIG, config, storedSize(config)), layers);
        byte[] bytes = ArchiveJson.manifest(manifest);
        Digest digest = Digest.sha256Of(bytes);
        Set<Digest> blobs = new LinkedHashSet<>();
        blobs.add(config);
        layers.forEach(l -> blobs.add(l.digest()));
        return new Plan(new Descriptor(MediaTypes.OCI_MANIFEST, digest, bytes.length), Map.of(digest, bytes), blobs);
    }

    private long storedSize(Digest digest) {
        return content.info(digest).orElseThrow(() -> new InternalException("blob " + digest + " of the image is"
                + " missing from the content store; remove the image and pull or import it again")).size();
    }

    /** One blob member: a document from memory, or a blob streamed from the content store. */
    private record Member(long size, byte[] bytes, Digest stored) {}

    private void write(Plan plan, byte[] index, OutputStream out) throws IOException {
        Map<String, Member> blobs = new TreeMap<>();
        for (Digest digest : plan.blobs()) {
            blobs.put(MemberNames.blobPath(digest), new Member(storedSize(digest), null, digest));
        }
        plan.documents().forEach((digest, bytes) -> blobs.put(MemberNames.blobPath(digest),
                new Member(bytes.length, bytes, null)));
        TarWriter tar = new TarWriter(out);
        tar.addDirectory("blobs/");
        String directory = null;
        for (Map.Entry<String, Member> blob : blobs.entrySet()) {
            String path = blob.getKey();
            String parent = path.substring(0, path.lastIndexOf('/') + 1);
            if (!parent.equals(directory)) {
                tar.addDirectory(parent);
                directory = parent;
            }
            Member member = blob.getValue();
            if (member.bytes() != null) {
                tar.addFile(path, member.size(), new ByteArrayInputStream(member.bytes()));
            } else {
                try (InputStream in = content.read(member.stored())) {
                    tar.addFile(path, member.size(), in);
                }
            }
        }
        tar.addFile(OciLayoutReader.INDEX, index.length, new ByteArrayInputStream(index));
        byte[] layout = ArchiveJson.layout();
        tar.addFile(OciLayoutReader.LAYOUT, layout.length, new ByteArrayInputStream(layout));
        tar.close();
    }
}
