package io.berth.server.rpc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.common.json.Mappers;
import io.berth.common.validate.Require;
import io.berth.cri.v1.ImageStatusRequest;
import io.berth.cri.v1.ImageStatusResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.ImageViews;
import io.berth.server.image.content.ContentStore;
import io.berth.server.image.content.Digest;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.io.IOException;
import java.util.Optional;

/**
 * ImageStatus: from memory. An unknown image is not an error in CRI: the answer simply has no image, which
 * is how kubelet learns that it must pull. {@code verbose} adds the image config as stored.
 */
public final class ImageStatusRpc implements UnaryRpc<ImageStatusRequest, ImageStatusResponse> {
    private static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;

    private final ImageHandlers handlers;
    private final ImageStore images;
    private final ContentStore content;

    public ImageStatusRpc(ImageStore images, ContentStore content, ImageHandlers handlers) {
        this.handlers = handlers;
        this.images = images;
        this.content = content;
    }

    @Override
    public ImageStatusResponse call(ImageStatusRequest request) throws IOException {
        Optional<StoredImage> found = images.find(Require.nonEmpty(request.getImage().getImage(), "image.image"));
        String handler = handlers.check(request.getImage(), "image");
        if (found.isEmpty()) {
            return ImageStatusResponse.getDefaultInstance();
        }
        StoredImage image = found.get();
        ImageStatusResponse.Builder out = ImageStatusResponse.newBuilder().setImage(ImageViews.toCri(image, handler));
        if (request.getVerbose()) {
            ObjectNode info = Mappers.plain().createObjectNode();
            info.put("id", image.id());
            info.put("chainID", image.topSnapshotKey());
            info.put("pulledAt", image.metadata().pulledAt());
            info.set("imageSpec", Mappers.plain().readTree(content.readAll(Digest.parse(image.id()), MAX_CONFIG_BYTES)));
            out.putInfo("info", Mappers.plain().writeValueAsString(info));
        }
        return out.build();
    }
}
