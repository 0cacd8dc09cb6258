package io.berth.server.rpc;

import io.berth.common.time.UnixNanos;
import io.berth.cri.v1.FilesystemIdentifier;
import io.berth.cri.v1.FilesystemUsage;
import io.berth.cri.v1.ImageFsInfoRequest;
import io.berth.cri.v1.ImageFsInfoResponse;
import io.berth.cri.v1.UInt64Value;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.image.FilesystemUsageMeter;
import java.io.IOException;

/**
 * ImageFsInfo: the snapshotter root's usage. Container roots are snapshots in the same root, so the
 * container filesystem is the same one (kubelet then sees one shared filesystem, as with containerd).
 */
public final class ImageFsInfoRpc implements UnaryRpc<ImageFsInfoRequest, ImageFsInfoResponse> {
    private final FilesystemUsageMeter usage;

    public ImageFsInfoRpc(FilesystemUsageMeter usage) {
        this.usage = usage;
    }

    @Override
    public ImageFsInfoResponse call(ImageFsInfoRequest request) throws IOException {
        FilesystemUsageMeter.Measurement m = usage.measure();
        FilesystemUsage fs = FilesystemUsage.newBuilder()
                .setTimestamp(UnixNanos.of(m.at()))
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(m.root().toString()))
                .setUsedBytes(UInt64Value.newBuilder().setValue(m.usedBytes()))
                .setInodesUsed(UInt64Value.newBuilder().setValue(m.inodesUsed()))
                .build();
        return ImageFsInfoResponse.newBuilder().addImageFilesystems(fs).addContainerFilesystems(fs).build();
    }
}
