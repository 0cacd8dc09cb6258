package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.berth.admin.v1.ExportChunk;
import io.berth.admin.v1.ExportRequest;
import io.berth.common.error.InternalException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ExportImage: the archive arrives in chunks of at most 1 MiB; a bad or unknown reference sends nothing. */
class ExportImageTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void theArchiveArrivesWholeInChunksOfAtMostOneMebibyte() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.images.put("busybox:latest", "sha256:" + "1".repeat(64));
            admin.archives.exportBytes = bytes(3 * MIB + MIB / 2);

            Iterator<ExportChunk> chunks = admin.blocking().exportImage(request("busybox:latest"));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int count = 0;
            while (chunks.hasNext()) {
                ExportChunk chunk = chunks.next();
                assertThat(chunk.getData().size()).isBetween(1, MIB);
                chunk.getData().writeTo(received);
                count++;
            }

            assertThat(received.toByteArray()).isEqualTo(admin.archives.exportBytes);
            assertThat(count).isEqualTo(4);
        }
    }

    @Test
    void anUnknownImageIsNotFound() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(failure(admin, "registry.example/app:v2").getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(admin.archives.exportEnded).as("the image side was not asked").isFalse();
        }
    }

    @Test
    void aMalformedReferenceIsInvalid() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            Status status = failure(admin, "Busybox:latest!");
            assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("Busybox:latest!");
            assertThat(failure(admin, "").getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void aFailureAfterSomeChunksEndsTheStreamWithItsStatus() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.images.put("busybox", "sha256:" + "1".repeat(64));
            admin.archives.exportBytes = bytes(3 * MIB);
            admin.archives.failExportAfter = 2 * MIB;
            admin.archives.exportFailure = new InternalException("layer sha256:abc is missing from the content store");

            Iterator<ExportChunk> chunks = admin.blocking().exportImage(request("busybox"));
            long received = 0;
            StatusRuntimeException end = null;
            try {
                while (chunks.hasNext()) {
                    received += chunks.next().getData().size();
                }
            } catch (StatusRuntimeException e) {
                end = e;
            }

            assertThat(received).isEqualTo(2 * MIB);
            assertThat(end).isNotNull();
            assertThat(end.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(end.getStatus().getDescription()).contains("missing from the content store");
        }
    }

    @Test
    void aClientThatGoesAwayStopsTheExport() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            admin.images.put("busybox", "sha256:" + "1".repeat(64));
            admin.archives.exportBytes = bytes(64 * MIB);
            Context.CancellableContext call = Context.current().withCancellation();

            call.run(() -> admin.blocking().exportImage(request("busybox")).next());
            call.cancel(null);

            await().atMost(Duration.ofSeconds(10)).until(() -> admin.archives.exportEnded);
            assertThat(admin.archives.exportWriteFailure.get()).hasMessageContaining("the client went away");
        }
    }

    private static Status failure(AdminFixture admin, String reference) {
        Iterator<ExportChunk> chunks = admin.blocking().exportImage(request(reference));
        Throwable thrown = catchThrowable(chunks::hasNext);
        assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
        return ((StatusRuntimeException) thrown).getStatus();
    }

    private static ExportRequest request(String reference) {
        return ExportRequest.newBuilder().setReference(reference).build();
    }

    private static byte[] bytes(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 13 + 1);
        }
        return b;
    }
}
