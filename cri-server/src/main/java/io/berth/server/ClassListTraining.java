package io.berth.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run for berthd's class-data archive: loads every class a class list names, so that a JVM started
 * with {@code -XX:ArchiveClassesAtExit} archives them. berthd itself needs root and a node to start, which a build
 * has not; loading is all an archive needs, since the JVM links the classes when it writes the archive. The list
 * ({@code berthd.classlist}) was recorded with {@code -XX:DumpLoadedClassList} from berthd starting, running pods
 * and restarting over them; a class it names that no longer exists is skipped, and a class it misses is loaded
 * from its jar as before.
 */
public final class ClassListTraining {
    private ClassListTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ClassListTraining <class-list>");
            System.exit(2);
        }
        int[] counts = load(Files.readAllLines(Path.of(args[0])));
        System.out.println("loaded " + counts[0] + " classes; " + counts[1] + " not found");
    }

    /** Loads each named class without initialising it; returns {loaded, not found}. */
    static int[] load(List<String> lines) {
        ClassLoader loader = ClassListTraining.class.getClassLoader();
        int loaded = 0;
        int missing = 0;
        for (String line : lines) {
            // Comments, and the JVM's @lambda-proxy / @lambda-form-invoker records (a static dump's business).
            if (line.isBlank() || line.startsWith("#") || line.startsWith("@")) {
                continue;
            }
            String name = line.split(" ", 2)[0].replace('/', '.');
            try {
                Class.forName(name, false, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                missing++;
            }
        }
        return new int[] {loaded, missing};
    }
}
