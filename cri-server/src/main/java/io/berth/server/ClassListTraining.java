package io.berth.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run for berthd's class-data archive: loads every class a class list names, and makes the lambdas
 * and method-handle forms it records, so that a JVM started with {@code -XX:ArchiveClassesAtExit} archives them.
 * berthd itself needs root and a node to start, which a build has not; loading is all an archive needs for a
 * class, since the JVM links the classes when it writes the archive. A lambda is only archived once it has been
 * made, which {@link LambdaReplay} does from the list's records without running berthd's code. The list
 * ({@code berthd.classlist}) was recorded with {@code -XX:DumpLoadedClassList} from berthd starting, running
 * pods and restarting over them; what it names that no longer exists is skipped, and what it misses is made at
 * run time as before.
 */
public final class ClassListTraining {
    /** What a training run made ready for the archive, and what it could not find or make. */
    record Counts(int classes, int missing, int lambdas, int invokers, int skipped) {}

    private ClassListTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ClassListTraining <class-list>");
            System.exit(2);
        }
        Counts counts = train(Files.readAllLines(Path.of(args[0])));
        System.out.println("loaded " + counts.classes() + " classes (" + counts.missing() + " not found), made "
                + counts.lambdas() + " lambdas and " + counts.invokers() + " method-handle forms (" + counts.skipped()
                + " records skipped)");
        if (counts.invokers() == 0 && counts.lambdas() > 0) {
            System.out.println("no method-handle forms: run with --add-exports java.base/jdk.internal.misc="
                    + "ALL-UNNAMED to have them archived");
        }
    }

    /** Loads each named class without initialising it, and replays the lambda records. */
    static Counts train(List<String> lines) {
        ClassLoader loader = ClassListTraining.class.getClassLoader();
        LambdaReplay replay = new LambdaReplay(loader);
        int classes = 0;
        int missing = 0;
        int lambdas = 0;
        int invokers = 0;
        int skipped = 0;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("@")) {
                switch (replay.replay(line)) {
                    case LAMBDA -> lambdas++;
                    case FORM -> invokers++;
                    default -> skipped++;
                }
                continue;
            }
            String name = line.split(" ", 2)[0].replace('/', '.');
            try {
                Class.forName(name, false, loader);
                classes++;
            } catch (ClassNotFoundException | LinkageError e) {
                missing++;
            }
        }
        return new Counts(classes, missing, lambdas, invokers, skipped);
    }
}
