package io.berth.server.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.berth.common.error.BerthException;
import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InternalException;
import io.berth.common.error.NoSpaceLeftException;
import io.berth.common.error.ResourceExhaustedException;
import io.berth.common.error.UnavailableException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.BlobSink;
import io.berth.server.image.content.BlobVerificationException;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.Capability;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.hosts.RegistryHost;
import io.berth.server.image.reference.ImageReference;
import io.berth.server.image.registry.ResolvedImage.FetchedManifest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pulls from registries that speak the OCI distribution spec: resolves a reference to the manifest for a
 * platform and downloads blobs into the content store. Each request goes to the hosts config's mirrors in
 * order (those with the needed capability), then the upstream; the first host that succeeds wins.
 * Thread-safe; one instance serves the whole daemon so that HTTP connections and tokens are shared.
 */
public final class RegistryClient {
    private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    private final HostsConfig hostsConfig;
    private final RegistrySettings settings;
    private final RegistryHttp http;

    public RegistryClient(HostsConfig hostsConfig, RegistrySettings settings) {
        this.hostsConfig = hostsConfig;
        this.settings = settings;
        TlsContexts tls = new TlsContexts();
        SocketHttp socketHttp =
                new SocketHttp(settings.connectTimeout(), settings.stallTimeout(), settings.minimumRate());
        this.http = new RegistryHttp(tls, new RegistryAuthenticator(tls, socketHttp, hostsConfig, settings), settings,
                socketHttp);
    }

    /**
     * Resolves {@code reference} (by tag or digest) to the image manifest for {@code platform}, choosing
     * from an index or manifest list when the reference names one.
     */
    public ResolvedImage resolve(ImageReference reference, RegistryCredentials credentials, Platform platform) {
        // A digest proves what it names, so pull-only mirrors may serve it; a tag must come from a host trusted to resolve.
        Capability needed = reference.digest() != null ? Capability.PULL : Capability.RESOLVE;
        RepositoryAccess access = new RepositoryAccess(reference.toString(), reference.repository(), credentials);
        return onEachHost(reference, needed, host -> resolveOn(host, reference, access, platform));
    }

    /**
     * Downloads {@code blob} into {@code store} (verified there); returns at once if it is already stored,
     * and joins a download of the same blob that is already running. A joined download that has not finished
     * within the stall timeout, or that fails, no longer holds this pull: the blob is then fetched from this
     * pull's own hosts with its own credentials, and whichever verified copy lands first is kept.
     */
    public BlobInfo fetchBlob(ImageReference reference, RegistryCredentials credentials, Descriptor blob,
            ContentStore store, DownloadProgress progress) {
        return fetchBlob(reference, credentials, blob, store, progress, null);
    }

    /**
     * As {@link #fetchBlob(ImageReference, RegistryCredentials, Descriptor, ContentStore, DownloadProgress)},
     * with {@code reader} (when not null) reading the bytes in the same pass as they are stored, on the first
     * attempt that downloads them. It is not called when the blob is stored already or comes from another
     * caller's download, and {@link BlobReader#abandon} is called when what it read was not the blob. A reader
     * that fails on the right bytes fails the download with {@link BlobReader.Failed}, and the blob is not kept.
     */
    public BlobInfo fetchBlob(ImageReference reference, RegistryCredentials credentials, Descriptor blob,
            ContentStore store, DownloadProgress progress, BlobReader reader) {
        RepositoryAccess access = new RepositoryAccess(reference.toString(), reference.repository(), credentials);
        String what = "blob " + blob.digest() + " of image " + reference;
        AtomicBoolean readerUnused = new AtomicBoolean(reader != null);
        return store.ingest(blob.digest(), blob.size(), settings.stallTimeout(), sink -> onEachHost(reference,
                Capability.PULL, host -> {
            URI uri = endpoint(host, reference, "blobs", blob.digest().toString());
            boolean read = false;
            try {
                try (RegistryResponse response = http.get(host, uri, null, access, what)) {
                    sink.restart();
                    OptionalLong announced = response.contentLength();
                    if (announced.isPresent() && announced.getAsLong() != blob.size()) {
                        throw new BlobVerificationException("registry " + host.authority() + " announced "
                                + announced.getAsLong() + " bytes for " + what + " but the manifest says "
                                + blob.size());
                    }
                    byte[] buffer = new byte[COPY_BUFFER_BYTES];
                    if (readerUnused.getAndSet(false)) {
                        read = true;
                        readInPass(reader, response.body(), sink, buffer, blob, progress, what, host);
                    }
                    for (int n; (n = response.body().read(buffer)) >= 0; ) {
                        store(sink, buffer, 0, n, what);
                        progress.onBytes(blob, sink.written());
                    }
                } catch (IOException e) {
                    throw new UnavailableException("download of " + what + " from " + host.authority()
                            + " broke off after " + sink.written() + " of " + blob.size() + " bytes: "
                            + RegistryHttp.describe(e), e);
                }
                verify(sink, host, what);
            } catch (RuntimeException e) {
                if (read && !(e instanceof BlobReader.Failed)) {
                    reader.abandon();
                }
                throw e;
            }
            return null;
        }));
    }

    /**
     * Lets {@code reader} read the body as it is stored. When it fails, and the body and the store did not, the
     * rest is stored and checked first: a blob that is not what its digest says is the registry's fault (and
     * another host may have it right), a right one that the reader refuses is the blob's.
     */
    private static void readInPass(BlobReader reader, InputStream body, BlobSink sink, byte[] buffer,
            Descriptor blob, DownloadProgress progress, String what, RegistryHost host) throws IOException {
        TeeBody tee = new TeeBody(body, (bytes, offset, length) -> store(sink, bytes, offset, length, what),
                () -> progress.onBytes(blob, sink.written()));
        try {
            reader.read(tee);
        } catch (IOException | RuntimeException e) {
            rethrowTransportFailure(tee.failure());
            tee.drain(buffer);
            verify(sink, host, what);
            throw new BlobReader.Failed(e);
        }
        rethrowTransportFailure(tee.failure());
    }

    private static void rethrowTransportFailure(Throwable failure) throws IOException {
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
    }

    private static void verify(BlobSink sink, RegistryHost host, String what) {
        try {
            sink.verify();
        } catch (BlobVerificationException e) {
            throw new BlobVerificationException("registry " + host.authority() + " sent " + what + " wrong: "
                    + e.getMessage());
        }
    }

    private ResolvedImage resolveOn(RegistryHost host, ImageReference reference, RepositoryAccess access,
            Platform platform) {
        String image = reference.toString();
        FetchedManifest top = fetchManifest(host, reference, reference.manifestReference(),
                Optional.ofNullable(reference.digest()), access, "image " + image);
        JsonNode document = ManifestParser.readTree(top.bytes().toByteArray(), image);
        if (MediaTypes.isIndex(top.mediaType())) {
            Descriptor chosen = ManifestSelector.select(ManifestParser.parseIndex(document, image), platform, image);
            checkSmall(chosen.size(), "manifest " + chosen.digest() + " of image " + image);
            FetchedManifest manifest = fetchManifest(host, reference, chosen.digest().toString(),
                    Optional.of(chosen.digest()), access, "manifest " + chosen.digest() + " (" + platform + ") of image " + image);
            JsonNode manifestDocument = ManifestParser.readTree(manifest.bytes().toByteArray(), image);
            if (!MediaTypes.isImageManifest(manifest.mediaType())) {
                throw new FailedPreconditionException("image " + image + ": the index entry for " + platform
                        + " is a " + manifest.mediaType() + ", not an image manifest");
            }
            ImageManifest parsed = ManifestParser.parseManifest(manifestDocument, manifest.mediaType(), image);
            checkSmall(parsed.config().size(), "config of image " + image);
            return new ResolvedImage(reference, top.digest(), Optional.of(top), manifest.digest(), manifest.bytes(),
                    parsed, host.authority());
        }
        if (MediaTypes.isImageManifest(top.mediaType())) {
            ImageManifest parsed = ManifestParser.parseManifest(document, top.mediaType(), image);
            checkSmall(parsed.config().size(), "config of image " + image);
            return new ResolvedImage(reference, top.digest(), Optional.empty(), top.digest(), top.bytes(), parsed,
                    host.authority());
        }
        throw new FailedPreconditionException("image " + image + " has manifest type '" + top.mediaType()
                + "', which berth cannot run (expected an OCI or Docker schema2 image manifest or index)");
    }

    private FetchedManifest fetchManifest(RegistryHost host, ImageReference reference, String manifestReference,
            Optional<Digest> expected, RepositoryAccess access, String what) {
        URI uri = endpoint(host, reference, "manifests", manifestReference);
        byte[] bytes;
        String contentType;
        String announcedDigest;
        try (RegistryResponse response = http.get(host, uri, MediaTypes.MANIFEST_ACCEPT, access, what)) {
            OptionalLong length = response.contentLength();
            if (length.isPresent()) {
                checkSmall(length.getAsLong(), what);
            }
            long max = settings.maxManifestBytes();
            bytes = response.body().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            checkSmall(bytes.length, what);
            contentType = response.headers().firstValue("Content-Type").orElse("");
            announcedDigest = response.headers().firstValue("Docker-Content-Digest").orElse("");
        } catch (IOException e) {
            throw new UnavailableException("reading " + what + " from registry " + host.authority() + " failed: "
                    + RegistryHttp.describe(e), e);
        }
        String mediaType = ManifestParser.mediaTypeOf(contentType, ManifestParser.readTree(bytes, access.image()),
                access.image());
        Digest digest = expected.orElseGet(() -> digestOf(bytes, announcedDigest));
        if (!digest.matches(bytes)) {
            throw new BlobVerificationException("registry " + host.authority() + " sent " + what + " that does not"
                    + " match its digest " + digest);
        }
        return new FetchedManifest(digest, mediaType, ByteString.copyFrom(bytes));
    }

    /** The digest of a manifest fetched by tag; the one the registry announces, when it names one, must agree. */
    private static Digest digestOf(byte[] bytes, String announced) {
        if (!announced.isEmpty()) {
            try {
                return Digest.parse(announced.trim());
            } catch (BerthException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring unusable Docker-Content-Digest header: " + e.getMessage());
            }
        }
        return Digest.sha256Of(bytes);
    }

    private void checkSmall(long size, String what) {
        if (size > settings.maxManifestBytes()) {
            throw new ResourceExhaustedException(what + " is " + size + " bytes, more than the "
                    + settings.maxManifestBytes() + " bytes allowed for manifests and configs; refusing it");
        }
    }

    private static URI endpoint(RegistryHost host, ImageReference reference, String kind, String id) {
        // Mirrors learn which registry is meant from ns=, as containerd sends it.
        String query = host.mirror() ? "?ns=" + reference.domain() : "";
        return URI.create(host.apiRoot() + "/" + reference.repository() + "/" + kind + "/" + id + query);
    }

    @FunctionalInterface
    private interface HostAttempt<T> {
        T attempt(RegistryHost host);
    }

    /**
     * Writes downloaded bytes into the store. A full disk is no fault of the registry: it is reported as such,
     * and no other host is tried, since it would fill the same disk.
     */
    private static void store(BlobSink sink, byte[] buffer, int offset, int length, String what) {
        try {
            sink.write(buffer, offset, length);
        } catch (IOException e) {
            if (NoSpaceLeftException.isCause(e)) {
                throw new NoSpaceLeftException("cannot store " + what + " after " + sink.written() + " bytes: "
                        + e.getMessage() + "; free space on berth's root", e);
            }
            throw new InternalException("cannot store " + what + " after " + sink.written() + " bytes: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code attempt} on each capable host in order until one succeeds; the last failure is thrown. A full
     * disk ends it at once.
     */
    private <T> T onEachHost(ImageReference reference, Capability needed, HostAttempt<T> attempt) {
        List<RegistryHost> hosts = hostsConfig.hostsFor(reference.domain()).stream().filter(h -> h.can(needed)).toList();
        if (hosts.isEmpty()) {
            throw new FailedPreconditionException("no registry host for " + reference.domain() + " has the '"
                    + needed.name().toLowerCase(Locale.ROOT) + "' capability; check its hosts.toml");
        }
        BerthException last = null;
        for (RegistryHost host : hosts) {
            try {
                return attempt.attempt(host);
            } catch (NoSpaceLeftException e) {
                throw e;
            } catch (BerthException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
                if (host != hosts.get(hosts.size() - 1)) {
                    LOG.log(System.Logger.Level.WARNING, "registry host " + host.authority() + " failed for "
                            + reference + ", trying the next one: " + e.getMessage());
                }
            }
        }
        throw last;
    }
}
