package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.RemoveImageRequest;
import io.berth.cri.v1.RemoveImageResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.image.FilesystemUsageMeter;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.reclaim.ImageRemover;

/** RemoveImage by id, tag or digest reference; an image that is not there is removed already. */
public final class RemoveImageRpc implements UnaryRpc<RemoveImageRequest, RemoveImageResponse> {
    private final ImageHandlers handlers;
    private final ImageRemover remover;
    private final FilesystemUsageMeter usage;

    public RemoveImageRpc(ImageRemover remover, FilesystemUsageMeter usage, ImageHandlers handlers) {
        this.handlers = handlers;
        this.remover = remover;
        this.usage = usage;
    }

    @Override
    public RemoveImageResponse call(RemoveImageRequest request) {
        try {
            String image = Require.nonEmpty(request.getImage().getImage(), "image.image");
            handlers.check(request.getImage(), "image");
            remover.remove(image);
        } finally {
            usage.invalidate();
        }
        return RemoveImageResponse.getDefaultInstance();
    }
}
