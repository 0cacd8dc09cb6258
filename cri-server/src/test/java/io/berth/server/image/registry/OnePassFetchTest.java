package io.berth.server.image.registry;

import static io.berth.server.image.registry.RegistryClientTest.filesUnder;
import static io.berth.server.image.registry.TestImages.LAYER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.error.FailedPreconditionException;
import io.berth.common.error.InvalidArgumentException;
import io.berth.server.image.content.BlobInfo;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.hosts.HostsConfig;
import io.berth.server.image.reference.ImageReference;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob read (a layer unpacked, say) in the same pass as it downloads, and stored only when all is right. */
class OnePassFetchTest {
    @TempDir
    Path dir;

    private FakeRegistry registry;
    private RegistryClient client;
    private ContentStore store;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        client = new RegistryClient(new HostsConfig(dir.resolve("etc")), RegistrySettings.defaults());
        store = ContentStore.open(dir.resolve("root"));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private BlobInfo fetch(Digest digest, BlobReader reader) {
        return client.fetchBlob(ImageReference.parse(registry.authority() + "/library/app"),
                RegistryCredentials.ANONYMOUS, new Descriptor("application/octet-stream", digest, LAYER.length),
                store, DownloadProgress.NONE, reader);
    }

    @Test
    void theReaderSeesEveryByteOnceAndTheBlobIsStored() {
        Digest digest = registry.blob("library/app", LAYER);
        Recording reader = new Recording(in -> in.readNBytes(10));

        fetch(digest, reader);

        assertThat(reader.seen.toByteArray()).isEqualTo(Arrays.copyOf(LAYER, 10));
        assertThat(reader.abandoned).isFalse();
        assertThat(store.readAll(digest, LAYER.length)).isEqualTo(LAYER);
        assertThat(registry.count("/v2/library/app/blobs/" + digest)).isEqualTo(1);
    }

    @Test
    void aReaderThatRefusesTheRightBytesFailsTheDownloadAndNothingIsKept() throws IOException {
        Digest digest = registry.blob("library/app", LAYER);
        Recording reader = new Recording(in -> {
            in.readNBytes(5);
            throw new InvalidArgumentException("unsafe layer entry '../x'");
        });

        assertThatThrownBy(() -> fetch(digest, reader))
                .isInstanceOf(BlobReader.Failed.class)
                .hasCauseInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("../x");
        assertThat(reader.abandoned).isFalse();
        assertThat(filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    @Test
    void bytesThatAreNotTheBlobAbandonTheReaderAndFailAsTheRegistrysFault() throws IOException {
        byte[] tampered = LAYER.clone();
        tampered[3] ^= 1;
        Digest digest = Digest.sha256Of(LAYER);
        registry.route("/v2/library/app/blobs/" + digest, exchange -> FakeRegistry.send(exchange, 200, tampered));
        // What the reader makes of wrong bytes (a diffID that does not match, say) must not hide the real fault.
        Recording reader = new Recording(in -> {
            in.transferTo(OutputStream.nullOutputStream());
            throw new InvalidArgumentException("diffID mismatch");
        });

        assertThatThrownBy(() -> fetch(digest, reader))
                .isInstanceOf(FailedPreconditionException.class)
                .hasMessageContaining("does not match its digest " + digest);
        assertThat(reader.abandoned).isTrue();
        assertThat(filesUnder(dir.resolve("root/content"))).isEmpty();
    }

    @FunctionalInterface
    private interface Reading {
        void read(InputStream in) throws IOException;
    }

    private static final class Recording implements BlobReader {
        private final Reading reading;
        private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
        private volatile boolean abandoned;

        Recording(Reading reading) {
            this.reading = reading;
        }

        @Override
        public void read(InputStream bytes) throws IOException {
            reading.read(new FilterInputStream(bytes) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        seen.write(b, off, n);
                    }
                    return n;
                }
            });
        }

        @Override
        public void abandon() {
            abandoned = true;
        }
    }
}
