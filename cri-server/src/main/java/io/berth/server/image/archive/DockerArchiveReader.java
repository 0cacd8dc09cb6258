package io.berth.server.image.archive;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.error.BerthException;
import io.berth.common.error.InternalException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.common.validate.Require;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.Digest;
import io.berth.server.image.pull.PullErrors;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.Descriptor;
import io.berth.server.image.registry.ImageManifest;
import io.berth.server.image.registry.MediaTypes;
import io.berth.server.image.store.ImageConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the images of a docker save archive: {@code manifest.json} is a list of
 * {@code {"Config": "<member>", "RepoTags": ["name:tag", ...], "Layers": ["<member>", ...]}}, bottom layer
 * first; the config is the image config whose digest is the image id, each layer a tar (plain, or gzip in
 * later docker versions). The archive carries no image manifest, so one is made: an OCI manifest naming the
 * config and the layers as found (their digests, sizes, and the media type their first bytes show). Its
 * digest is this node's own, so the image gets no repo digest; its id, the config digest, is the one a pull
 * of the same image gives. Tags are normalized as a pull names them ({@code busybox:latest} is
 * {@code docker.io/library/busybox:latest}).
 */
final class DockerArchiveReader {
    static final String MANIFEST = "manifest.json";

    private final ArchiveMembers members;
    private final LeasedIngest ingest;
    private final ArchiveLimits limits;

    DockerArchiveReader(ArchiveMembers members, LeasedIngest ingest, ArchiveLimits limits) {
        this.members = members;
        this.ingest = ingest;
        this.limits = limits;
    }

    List<ArchiveImage> read() {
        JsonNode entries = ArchiveJson.parse(members.readDocument(MANIFEST, limits.maxDocumentBytes()), MANIFEST);
        if (!entries.isArray() || entries.isEmpty()) {
            throw new InvalidArgumentException("manifest.json is not a non-empty list of images");
        }
        if (entries.size() > limits.maxImages()) {
            throw new InvalidArgumentException("manifest.json lists " + entries.size() + " images, more than the "
                    + limits.maxImages() + " one archive may hold");
        }
        List<ArchiveImage> images = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            images.add(image(entries.get(i), "manifest.json[" + i + "]"));
        }
        return images;
    }

    private ArchiveImage image(JsonNode entry, String where) {
        if (!entry.isObject()) {
            throw new InvalidArgumentException(where + " is not an object");
        }
        List<ImageReference> tags = tags(entry.get("RepoTags"), where);
        String what = tags.isEmpty() ? where : tags.get(0).toString();
        String configMember = member(text(entry.get("Config"), where + ".Config"), where + ".Config");
        List<String> layerMembers = new ArrayList<>();
        for (String layer : texts(entry.get("Layers"), where + ".Layers", true)) {
            layerMembers.add(member(layer, where + ".Layers"));
        }
        if (layerMembers.size() > limits.maxLayers()) {
            throw new InvalidArgumentException(what + " has " + layerMembers.size() + " layers, more than the "
                    + limits.maxLayers() + " an imported image may have");
        }
        BlobInfo config = identify(configMember, what);
        List<Descriptor> layers = new ArrayList<>();
        for (String layerMember : layerMembers) {
            layers.add(layer(layerMember, what));
        }
        ImageManifest manifest = new ImageManifest(MediaTypes.OCI_MANIFEST,
                new Descriptor(MediaTypes.OCI_CONFIG, config.digest(), config.size()), layers);
        ImageConfig parsed = ImageContents.store(manifest, configMember, layerMembers, members, ingest, limits, what);
        byte[] document = ArchiveJson.manifest(manifest);
        Digest digest = Digest.sha256Of(document);
        ingest.ingest(digest, document.length, "manifest made for " + what, sink -> sink.write(document));
        return new ArchiveImage(what, tags, List.of(), List.of(digest.toString()), manifest, document.length, parsed);
    }

    /** The layer's descriptor: it is stored first, so that its media type can be told from its first bytes. */
    private Descriptor layer(String member, String what) {
        BlobInfo info = identify(member, what);
        Descriptor untyped = new Descriptor(MediaTypes.OCI_LAYER, info.digest(), info.size());
        ImageContents.store(members, member, untyped, what);
        try (InputStream in = ingest.open(info.digest())) {
            return new Descriptor(LayerMediaType.of(in), info.digest(), info.size());
        } catch (IOException e) {
            throw new InternalException("cannot read blob " + info.digest() + " just stored: " + e.getMessage(), e);
        }
    }

    private BlobInfo identify(String member, String what) {
        try {
            return members.identify(member);
        } catch (BerthException e) {
            throw PullErrors.withContext(what, e);
        }
    }

    private static List<ImageReference> tags(JsonNode node, String where) {
        List<ImageReference> tags = new ArrayList<>();
        for (String tag : texts(node, where + ".RepoTags", false)) {
            ImageReference ref;
            try {
                ref = ImageReference.parse(tag);
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException(where + ".RepoTags: " + e.getMessage(), e);
            }
            if (ref.digest() != null) {
                throw new InvalidArgumentException(where + ".RepoTags has '" + Require.printable(tag)
                        + "', which is a digest reference, not a tag");
            }
            tags.add(ref);
        }
        return tags;
    }

    private static String member(String path, String field) {
        try {
            return MemberNames.normalize(path);
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new InvalidArgumentException(field + " is missing or not a string");
        }
        return node.asText();
    }

    private static List<String> texts(JsonNode node, String field, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidArgumentException(field + " is missing");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidArgumentException(field + " is not a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            out.add(text(item, field));
        }
        return out;
    }
}
