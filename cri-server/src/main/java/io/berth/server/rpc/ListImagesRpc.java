package io.berth.server.rpc;

import io.berth.cri.v1.ListImagesRequest;
import io.berth.cri.v1.ListImagesResponse;
import io.berth.server.grpc.UnaryRpc;
import io.berth.server.image.ImageHandlers;
import io.berth.server.image.ImageViews;
import io.berth.server.image.store.ImageStore;
import io.berth.server.image.store.StoredImage;
import java.util.List;

/** ListImages: from memory; a filter names one image by any reference ImageStatus accepts. */
public final class ListImagesRpc implements UnaryRpc<ListImagesRequest, ListImagesResponse> {
    private final ImageHandlers handlers;
    private final ImageStore images;

    public ListImagesRpc(ImageStore images, ImageHandlers handlers) {
        this.handlers = handlers;
        this.images = images;
    }

    @Override
    public ListImagesResponse call(ListImagesRequest request) {
        String filter = request.getFilter().getImage().getImage();
        String handler = handlers.check(request.getFilter().getImage(), "filter.image");
        List<StoredImage> listed = filter.isEmpty() ? images.list() : images.find(filter).stream().toList();
        ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
        listed.forEach(image -> out.addImages(ImageViews.toCri(image, handler)));
        return out.build();
    }
}
