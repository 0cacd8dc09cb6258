package io.berth.server.image;

import io.berth.cri.v1.Image;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.Int64Value;
import io.berth.server.image.store.StoredImage;
/** CRI's view of a stored image. */
public final class ImageViews {
    private ImageViews() {}

    public static Image toCri(StoredImage image) {
        return toCri(image, "");
    }

    /** As {@link #toCri(StoredImage)}, answered under the runtime handler that asked (see {@link ImageHandlers}). */
    public static Image toCri(StoredImage image, String runtimeHandler) {
        Image.Builder out = Image.newBuilder()
                .setId(image.id())
                .addAllRepoTags(image.repoTags())
                .addAllRepoDigests(image.repoDigests())
                .setSize(image.metadata().size())
                .setSpec(ImageSpec.newBuilder().setImage(image.id()).setRuntimeHandler(runtimeHandler))
                .setPinned(image.refs().pinned());
        // As containerd: the user part before ':' is a uid when numeric, else a name kubelet resolves
        // (runAsNonRoot checks need one of the two); a group is not reported.
        String user = image.config().user();
        String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        if (!name.isEmpty()) {
            if (name.chars().allMatch(Character::isDigit) && name.length() < 19) {
                out.setUid(Int64Value.newBuilder().setValue(Long.parseLong(name)));
            } else {
                out.setUsername(name);
            }
        }
        return out.build();
    }
}
