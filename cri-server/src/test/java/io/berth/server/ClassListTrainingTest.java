package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassListTrainingTest {
    @Test
    void loadsTheNamedClassesAndCountsThoseThatAreGone() {
        int[] counts = ClassListTraining.load(List.of(
                "# a comment",
                "io/berth/server/Daemon",
                "java/util/ArrayList id: 12",
                "@lambda-proxy io/berth/server/Daemon run ()V",
                "",
                "io/berth/server/NoSuchClass"));

        assertThat(counts).containsExactly(2, 1);
    }

    @Test
    void theShippedClassListStillNamesTheClassesBerthdLoads() throws Exception {
        // Recorded from a running berthd (README, "berthd's JVM"). Classes renamed or removed since drop out of
        // the archive and load from their jars again: slower, not wrong; past a few percent, record it again.
        List<String> lines = Files.readAllLines(Path.of("src/dist/berthd.classlist"));
        int[] counts = ClassListTraining.load(lines);

        assertThat(counts[0]).as("classes loaded").isGreaterThan(5000);
        assertThat(counts[1]).as("classes named that no longer exist").isLessThan(counts[0] / 50);
    }
}
