package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.RemoveImageRequest;
import io.grpc.StatusRuntimeException;
import java.util.List;

/** Pull throughput: the big image and the many-small-files image, each removed first so every pull is cold. */
final class PullScenario {
    private final Cri cri;
    private final Options o;
    private final JsonNode images;
    private final Figures figures;

    PullScenario(Cri cri, Options o, JsonNode images, Figures figures) {
        this.cri = cri;
        this.o = o;
        this.images = images;
        this.figures = figures;
    }

    void pull() throws Exception {
        int samples = o.quick ? 1 : 2;
        for (String key : List.of("big", "smallfiles")) {
            JsonNode image = images.get(key);
            String ref = image.get("ref").asText();
            Stats s = new Stats();
            for (int i = 0; i < samples; i++) {
                removeImage(ref);
                long t0 = System.nanoTime();
                cri.img().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                s.add(Stats.millisSince(t0));
            }
            removeImage(ref);
            double seconds = s.percentile(50) / 1000;
            double mib = image.get("bytes").asLong() / 1048576.0;
            figures.put("pull." + key + ".seconds", seconds);
            figures.put("pull." + key + ".mib_per_s", mib / seconds);
            figures.put("pull." + key + ".mib", mib);
            figures.put("pull." + key + ".layers", image.get("layers").asInt());
            if (key.equals("smallfiles")) {
                figures.put("pull." + key + ".files_per_s", image.get("files").asInt() / seconds);
            }
        }
    }

    private void removeImage(String ref) {
        try {
            cri.img().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
        } catch (StatusRuntimeException absent) {
            // not there
        }
    }
}
