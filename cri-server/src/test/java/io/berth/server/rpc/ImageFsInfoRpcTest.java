package io.berth.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageFsInfoResponse;
import io.berth.cri.v1.ImageServiceGrpc;
import io.berth.server.grpc.InProcessCri;
import io.berth.server.grpc.RpcTable;
import io.berth.server.image.FilesystemUsageMeter;
import io.berth.server.streaming.MutableClock;
import io.berth.snapshotter.fs.Usage;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** kubelet starts its image manager only once ImageFsInfo answers: a walk failing under it must not fail the call. */
class ImageFsInfoRpcTest {
    @Test
    void aWalkThatFailsMidwayStillAnswersOverGrpcWithTheLastGoodFigure() throws Exception {
        MutableClock clock = new MutableClock();
        AtomicBoolean filesVanish = new AtomicBoolean();
        Path root = Path.of("/var/lib/berth/snapshots");
        FilesystemUsageMeter meter = new FilesystemUsageMeter(root, clock, r -> {
            if (filesVanish.get()) {
                throw new NoSuchFileException(r.resolve("1/fs/removed-mid-walk").toString());
            }
            return new Usage(4096, 3);
        });
        RpcTable table = new RpcTable((rpc, code, nanos) -> { })
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(meter));
        try (InProcessCri cri = new InProcessCri(table)) {
            ImageFsInfoResponse before = cri.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
            filesVanish.set(true);
            clock.advance(Duration.ofMinutes(1));
            meter.invalidate();
            ImageFsInfoResponse during = cri.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());

            assertThat(during).isEqualTo(before);
            FilesystemUsage fs = during.getImageFilesystems(0);
            assertThat(fs.getUsedBytes().getValue()).isEqualTo(4096);
            assertThat(fs.getInodesUsed().getValue()).isEqualTo(3);
            assertThat(fs.getFsId().getMountpoint()).isEqualTo(root.toString());
            assertThat(during.getContainerFilesystems(0)).isEqualTo(fs);
        }
    }
}
