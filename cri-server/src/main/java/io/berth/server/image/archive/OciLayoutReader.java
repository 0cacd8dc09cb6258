package io.berth.server.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.Digest;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.ManifestParser;
import io.berth.server.image.registry.ManifestSelector;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.registry.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Reads the images of an OCI image layout (image-spec, image-layout.md): {@code oci-layout} declares
 * {@code imageLayoutVersion} 1.0.0, {@code index.json} lists the images, {@code blobs/<alg>/<hex>} hold the
 * content. docker 25+ writes such a layout inside its docker save archives, and ctr, podman and skopeo
 * write it too.
 *
 * <p>An index.json entry is an image manifest, or an index from which this platform's manifest is chosen
 * exactly as a pull chooses it; an image manifest entry whose platform says it is for another platform is
 * skipped. Names: {@code io.containerd.image.name} (a full reference, which ctr and docker write), else
 * {@code org.opencontainers.image.ref.name} when it is a full reference (holds {@code /}, {@code :} or
 * {@code @}, containerd's rule). A ref.name that is only a tag ({@code latest}) names no repository, so the
 * image is imported by its id alone, as {@code ctr import} does without {@code --base-name}. A named image
 * gets the tag and {@code name@<entry digest>} as its repo digest, as a pull of that name would.
 */
final class OciLayoutReader {
    static final String LAYOUT = "oci-layout";
    static final String INDEX = "index.json";
    private static final Logger LOG = Logger.getLogger(OciLayoutReader.class.getName());

    private final ArchiveMembers members;
    private final LeasedIngest ingest;
    private final ArchiveLimits limits;
    private final Platform platform;

    OciLayoutReader(ArchiveMembers members, LeasedIngest ingest, ArchiveLimits limits, Platform platform) {
        this.members = members;
        this.ingest = ingest;
        this.limits = limits;
        this.platform = platform;
    }

    List<ArchiveImage> read() {
        if (!members.contains(LAYOUT)) {
            throw new InvalidArgumentException("it has index.json but no oci-layout file, so it is not an OCI image"
                    + " layout");
        }
        byte[] layout = members.readDocument(LAYOUT, limits.maxDocumentBytes());
        if (!ArchiveJson.isKnownLayout(ArchiveJson.parse(layout, LAYOUT))) {
            throw new InvalidArgumentException("member oci-layout does not declare imageLayoutVersion "
                    + ArchiveJson.LAYOUT_VERSION + ", the only version berth reads");
        }
        byte[] indexBytes = members.readDocument(INDEX, limits.maxDocumentBytes());
        JsonNode index = ImageContents.asArchiveFault(() -> ManifestParser.readTree(indexBytes, "member " + INDEX));
        List<Descriptor> entries = ImageContents.asArchiveFault(() -> ManifestParser.parseIndex(index,
                "member " + INDEX));
        if (entries.isEmpty()) {
            throw new InvalidArgumentException("index.json lists no images");
        }
        if (entries.size() > limits.maxImages()) {
            throw new InvalidArgumentException("index.json lists " + entries.size() + " images, more than the "
                    + limits.maxImages() + " one archive may hold");
        }
        List<ArchiveImage> images = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            entry(entries.get(i), index.get("manifests").get(i).get("annotations"), "index.json manifests[" + i + "]")
                    .ifPresent(images::add);
        }
        if (images.isEmpty()) {
            throw new InvalidArgumentException("it holds no image for platform " + platform);
        }
        return images;
    }

    private Optional<ArchiveImage> entry(Descriptor entry, JsonNode annotations, String where) {
        Optional<ImageReference> name = name(annotations, entry.digest(), where);
        String what = name.map(ImageReference::toString).orElse(where);
        List<String> manifests = new ArrayList<>();
        Descriptor manifestDescriptor = entry;
        if (MediaTypes.isIndex(entry.mediaType())) {
            JsonNode document = document(entry, what);
            manifests.add(entry.digest().toString());
            List<Descriptor> choices = ImageContents.asArchiveFault(() -> ManifestParser.parseIndex(document,
                    "member " + MemberNames.blobPath(entry.digest())));
            manifestDescriptor = ImageContents.asArchiveFault(() -> ManifestSelector.select(choices, platform, what));
        } else if (!MediaTypes.isImageManifest(entry.mediaType())) {
            throw new InvalidArgumentException(where + " has media type '" + Require.printable(entry.mediaType())
                    + "', which is neither an image manifest nor an index");
        } else if (entry.platform().isPresent() && platform.matchRank(entry.platform().get()) < 0) {
            LOG.info("skipping " + what + ": it is for " + entry.platform().get() + ", not " + platform);
            return Optional.empty();
        }
        Descriptor chosen = manifestDescriptor;
        JsonNode document = document(chosen, what);
        manifests.add(chosen.digest().toString());
        ImageManifest manifest = ImageContents.asArchiveFault(() -> ManifestParser.parseManifest(document,
                chosen.mediaType(), "member " + MemberNames.blobPath(chosen.digest())));
        var config = ImageContents.store(manifest, MemberNames.blobPath(manifest.config().digest()),
                manifest.layers().stream().map(l -> MemberNames.blobPath(l.digest())).toList(), members, ingest, limits,
                what);
        List<ImageReference> tags = name.filter(n -> n.digest() == null && n.hasTag()).stream().toList();
        List<String> repoDigests = name.map(n -> n.name() + "@" + entry.digest()).stream().toList();
        return Optional.of(new ArchiveImage(what, tags, repoDigests, manifests, manifest, chosen.size(), config));
    }

    /** Stores a manifest or index blob and parses it; its declared media type must be the descriptor's. */
    private JsonNode document(Descriptor descriptor, String what) {
        if (descriptor.size() > limits.maxDocumentBytes()) {
            throw new InvalidArgumentException(what + ": manifest " + descriptor.digest() + " is " + descriptor.size()
                    + " bytes, more than the " + limits.maxDocumentBytes() + " allowed for manifests");
        }
        String member = MemberNames.blobPath(descriptor.digest());
        ImageContents.store(members, member, descriptor, what);
        JsonNode document = ImageContents.asArchiveFault(() -> ManifestParser.readTree(
                ingest.read(descriptor.digest(), limits.maxDocumentBytes()), "member " + member));
        JsonNode declared = document.get("mediaType");
        if (declared != null && !declared.asText().equals(descriptor.mediaType())) {
            throw new InvalidArgumentException(what + ": member " + member + " says it is a "
                    + Require.printable(declared.asText()) + " but is listed as a " + descriptor.mediaType());
        }
        return document;
    }

    private static Optional<ImageReference> name(JsonNode annotations, Digest entryDigest, String where) {
        if (annotations == null || annotations.isNull()) {
            return Optional.empty();
        }
        if (!annotations.isObject()) {
            throw new InvalidArgumentException(where + ".annotations is not an object");
        }
        String key = ArchiveJson.CONTAINERD_NAME;
        JsonNode value = annotations.get(key);
        if (value == null) {
            key = ArchiveJson.OCI_REF_NAME;
            value = annotations.get(key);
            if (value != null && value.isTextual() && !value.asText().matches(".*[/:@].*")) {
                LOG.info(where + " is named only by the tag '" + Require.printable(value.asText()) + "', which names"
                        + " no repository; importing it by id");
                return Optional.empty();
            }
        }
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new InvalidArgumentException(where + " annotation " + key + " is not a string");
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(value.asText());
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException(where + " annotation " + key + ": " + e.getMessage(), e);
        }
        if (ref.digest() != null && !ref.digest().equals(entryDigest)) {
            throw new InvalidArgumentException(where + " annotation " + key + " names " + ref.digest()
                    + " but the entry is " + entryDigest);
        }
        return Optional.of(ref);
    }
}
