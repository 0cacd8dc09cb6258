package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.berth.admin.v1.ImportChunk;
import io.berth.admin.v1.ImportReply;
import io.berth.common.error.InvalidArgumentException;
import io.berth.linux.Posix;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImportImage: the archive is spooled whole for the importer, and the spool goes however the call ends. */
class ImportImageTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void theImporterGetsTheWholeArchiveAndTheSpoolIsRemoved() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            byte[] archive = bytes(2 * MIB + 123);
            Upload upload = Upload.start(admin);
            upload.send(archive, MIB);
            upload.finish();

            ImportReply reply = upload.reply.get(30, TimeUnit.SECONDS);

            assertThat(reply.getImages(0).getRepoTagsList()).containsExactly("docker.io/library/busybox:latest");
            assertThat(admin.archives.imported).hasSize(1);
            assertThat(admin.archives.imported.get(0)).isEqualTo(archive);
            assertThat(admin.archives.importedFrom.get(0).getParent()).isEqualTo(admin.spoolDir);
            assertThat(admin.spooled()).isEmpty();
        }
    }

    @Test
    void anImportErrorReachesTheClientThroughTheErrorEdgeAndTheSpoolGoes() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.archives.importFailure.set(new InvalidArgumentException("not a docker save archive: no manifest.json"));
            Upload upload = Upload.start(admin);
            upload.send(bytes(1000), MIB);
            upload.finish();

            Status status = upload.failure();

            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).isEqualTo("not a docker save archive: no manifest.json");
            assertThat(admin.spooled()).isEmpty();
        }
    }

    @Test
    void anArchiveOverTheBoundIsRefusedBeforeTheImporterSeesIt() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir, new ImportSpool.Limits(3 * MIB, 0), Posix.euid())) {
            Upload upload = Upload.start(admin);
            upload.send(bytes(4 * MIB), MIB);
            upload.finish();

            Status status = upload.failure();

            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("larger than " + 3 * MIB + " bytes");
            assertThat(admin.archives.imported).isEmpty();
            assertThat(admin.spooled()).isEmpty();
        }
    }

    @Test
    void anArchiveThatWouldFillTheDiskIsRefused() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir, new ImportSpool.Limits(Long.MAX_VALUE, Long.MAX_VALUE / 2),
                Posix.euid())) {
            Upload upload = Upload.start(admin);
            upload.send(bytes(10), MIB);
            upload.finish();

            Status status = upload.failure();

            assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("free on the filesystem of " + admin.spoolDir);
            assertThat(admin.spooled()).isEmpty();
        }
    }

    @Test
    void aChunkOverOneMebibyteIsInvalid() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            Upload upload = Upload.start(admin);
            upload.send(bytes(MIB + 1), MIB + 1);
            upload.finish();

            Status status = upload.failure();

            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("at most " + MIB + " bytes");
            assertThat(admin.spooled()).isEmpty();
        }
    }

    @Test
    void anEmptyArchiveIsInvalid() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            Upload upload = Upload.start(admin);
            upload.finish();

            Status status = upload.failure();

            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("the archive is empty");
            assertThat(admin.archives.imported).isEmpty();
        }
    }

    @Test
    void aCancelledUploadLeavesNoSpoolAndImportsNothing() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            Upload upload = Upload.start(admin);
            upload.send(bytes(2 * MIB), MIB);
            await().atMost(Duration.ofSeconds(10)).until(() -> spooledBytes(admin) == 2 * MIB);

            upload.call.cancel("the operator pressed ^C", null);

            await().atMost(Duration.ofSeconds(10)).until(() -> admin.spooled().isEmpty());
            assertThat(admin.archives.imported).isEmpty();
        }
    }

    private static long spooledBytes(AdminFixture admin) throws IOException {
        List<Path> files = admin.spooled();
        return files.size() == 1 ? Files.size(files.get(0)) : -1;
    }

    private static byte[] bytes(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** A raw ImportImage call, chunked as the test says (berthctl's own client is tested with berthctl). */
    private static final class Upload implements ClientResponseObserver<ImportChunk, ImportReply> {
        final CompletableFuture<ImportReply> reply = new CompletableFuture<>();
        ClientCallStreamObserver<ImportChunk> call;

        static Upload start(AdminFixture admin) {
            Upload upload = new Upload();
            admin.async().importImage(upload);
            return upload;
        }

        void send(byte[] archive, int chunkBytes) {
            for (int at = 0; at < archive.length; at += chunkBytes) {
                call.onNext(ImportChunk.newBuilder()
                        .setData(ByteString.copyFrom(archive, at, Math.min(chunkBytes, archive.length - at))).build());
            }
        }

        void finish() {
            call.onCompleted();
        }

        Status failure() throws Exception {
            try {
                reply.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return Status.fromThrowable(e.getCause());
            }
            throw new AssertionError("the import succeeded");
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ImportChunk> requestStream) {
            call = requestStream;
        }

        @Override
        public void onNext(ImportReply value) {
            reply.complete(value);
        }

        @Override
        public void onError(Throwable t) {
            reply.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
        }
    }
}
