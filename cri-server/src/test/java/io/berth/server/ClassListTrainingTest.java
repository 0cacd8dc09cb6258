package io.berth.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassListTrainingTest {
    @Test
    void loadsTheNamedClassesAndCountsThoseThatAreGone() {
        ClassListTraining.Counts counts = ClassListTraining.train(List.of(
                "# a comment",
                "io/berth/server/Daemon",
                "java/util/ArrayList id: 12",
                "",
                "io/berth/server/NoSuchClass"));

        assertThat(counts.classes()).isEqualTo(2);
        assertThat(counts.missing()).isEqualTo(1);
    }

    @Test
    void makesTheRecordedLambdasOfThisBuildAndSkipsTheRest() {
        ClassListTraining.Counts counts = ClassListTraining.train(List.of(
                // A lambda of berthd's, as -XX:DumpLoadedClassList writes it.
                "@lambda-proxy io/berth/server/LambdaReplayTarget apply ()Ljava/util/function/Function;"
                        + " (Ljava/lang/Object;)Ljava/lang/Object; REF_invokeStatic io/berth/server/LambdaReplayTarget"
                        + " lambda$twice$0 (Ljava/lang/String;)Ljava/lang/String; (Ljava/lang/String;)Ljava/lang/String;",
                // A method reference to an instance method.
                "@lambda-proxy io/berth/server/LambdaReplayTarget apply ()Ljava/util/function/Function;"
                        + " (Ljava/lang/Object;)Ljava/lang/Object; REF_invokeVirtual java/lang/String length"
                        + " ()I (Ljava/lang/String;)Ljava/lang/Integer;",
                // Its method renamed since the list was recorded.
                "@lambda-proxy io/berth/server/LambdaReplayTarget apply ()Ljava/util/function/Function;"
                        + " (Ljava/lang/Object;)Ljava/lang/Object; REF_invokeStatic io/berth/server/LambdaReplayTarget"
                        + " lambda$gone$9 (Ljava/lang/String;)Ljava/lang/String; (Ljava/lang/String;)Ljava/lang/String;",
                "@lambda-proxy io/berth/server/NoSuchClass run ()Ljava/lang/Runnable; ()V REF_invokeStatic"
                        + " io/berth/server/NoSuchClass lambda$x$0 ()V ()V",
                "@lambda-proxy truncated"));

        assertThat(counts.lambdas()).isEqualTo(2);
        assertThat(counts.skipped()).isEqualTo(3);
    }

    @Test
    void theShippedClassListStillNamesTheClassesAndLambdasBerthdMakes() throws Exception {
        // Recorded from a running berthd (README, "berthd's JVM"). Classes renamed or removed since drop out of
        // the archive and load from their jars again: slower, not wrong; past a few percent, record it again.
        List<String> lines = Files.readAllLines(Path.of("src/dist/berthd.classlist"));
        ClassListTraining.Counts counts = ClassListTraining.train(lines);

        assertThat(counts.classes()).as("classes loaded").isGreaterThan(5000);
        assertThat(counts.missing()).as("classes named that no longer exist").isLessThan(counts.classes() / 50);
        long recordedLambdas = lines.stream().filter(l -> l.startsWith(LambdaReplay.PROXY)).count();
        assertThat(counts.lambdas()).as("lambdas made").isGreaterThan(200)
                .isGreaterThan((int) (recordedLambdas * 9 / 10));
    }
}
