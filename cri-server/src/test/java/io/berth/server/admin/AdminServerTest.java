package io.berth.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.admin.v1.VersionRequest;
import io.berth.linux.Posix;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
    @TempDir
    Path dir;

    @Test
    void servesOnASocketOnlyItsOwnerMayOpen() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir)) {
            assertThat(admin.blocking().version(VersionRequest.getDefaultInstance()).getVersion()).isEqualTo("9.8.7");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(admin.socket,
                    LinkOption.NOFOLLOW_LINKS))).isEqualTo("rw-------");
        }
    }

    @Test
    void disconnectsAPeerOfAnotherUid() throws Exception {
        try (AdminFixture admin = AdminFixture.start(dir, ImportSpool.Limits.DEFAULT, Posix.euid() + 1)) {
            assertThatThrownBy(() -> admin.blocking().version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
    }

    @Test
    void stoppingRemovesTheSocket() throws Exception {
        AdminFixture admin = AdminFixture.start(dir);
        admin.close();
        assertThat(admin.socket).doesNotExist();
    }
}
