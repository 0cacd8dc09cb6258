package io.berth.server.rpc;

import io.berth.common.validate.Require;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.PullImageResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.image.FilesystemUsageMeter;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.pull.ImagePuller;
import io.berth.server.image.registry.RegistryCredentials;

/** PullImage: pulls with the request's credentials (if any) and answers the image id. */
public final class PullImageRpc implements UnaryRpc<PullImageRequest, PullImageResponse> {
    private final ImageHandlers handlers;
    private final ImagePuller puller;
    private final FilesystemUsageMeter usage;

    public PullImageRpc(ImagePuller puller, FilesystemUsageMeter usage, ImageHandlers handlers) {
        this.handlers = handlers;
        this.puller = puller;
        this.usage = usage;
    }

    @Override
    public PullImageResponse call(PullImageRequest request) {
        String image = Require.nonEmpty(request.getImage().getImage(), "image.image");
        handlers.check(request.getImage(), "image");
        RegistryCredentials credentials = request.hasAuth()
                ? RegistryCredentials.fromCri(request.getAuth()) : RegistryCredentials.ANONYMOUS;
        try {
            return PullImageResponse.newBuilder().setImageRef(puller.pull(image, credentials).id()).build();
        } finally {
            usage.invalidate();
        }
    }
}
