package io.berth.e2e.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.cri.v1.ListImagesRequest;
import io.berth.e2e.harness.BerthdProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What a berthd holds on disk for images, read from its root the way an operator would look. */
final class ImageState {
    private ImageState() {}

    /** Snapshot dirs (named by their numeric ids) under the snapshotter root. */
    static List<Path> snapshotDirs(BerthdProcess berthd) throws IOException {
        return list(berthd.root().resolve("snapshots")).stream()
                .filter(p -> p.getFileName().toString().matches("[0-9]+")).toList();
    }

    static List<Path> blobs(BerthdProcess berthd) throws IOException {
        return list(berthd.root().resolve("content/blobs/sha256"));
    }

    static List<Path> ingest(BerthdProcess berthd) throws IOException {
        return list(berthd.root().resolve("content/ingest"));
    }

    /** A berthd that was never given a good image holds none of it after a failed pull: no half-state anywhere. */
    static void assertEmpty(BerthdProcess berthd) throws IOException {
        assertThat(berthd.client().images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .isEmpty();
        assertThat(snapshotDirs(berthd)).as("snapshots").isEmpty();
        assertThat(blobs(berthd)).as("blobs").isEmpty();
        assertThat(ingest(berthd)).as("ingest").isEmpty();
        try (Stream<Path> staging = Files.list(berthd.root().resolve("snapshots"))) {
            assertThat(staging.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
