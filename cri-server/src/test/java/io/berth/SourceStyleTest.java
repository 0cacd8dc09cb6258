package io.berth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two layout rules every module's main sources follow, checked without a formatter so that the build stays
 * offline and quick: imports sorted, static ones first; and types imported rather than written out in full,
 * unless their simple name is taken in that file.
 */
class SourceStyleTest {
    /** A qualified type name in code: a lower-case package path under a well-known root, then a type. */
    private static final Pattern QUALIFIED_TYPE = Pattern.compile(
            "(?<![\\w.$])(?:java|javax|jdk|sun|com|org|net|io)(?:\\.[a-z_][a-z0-9_]*)+\\.([A-Z]\\w*)");

    private static List<JavaSource> sources;

    @BeforeAll
    static void readMainSources() throws IOException {
        Path root = reactorRoot();
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> paths = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> isMainSource(root.relativize(p)))
                    .sorted()
                    .toList();
            sources = new ArrayList<>();
            for (Path p : paths) {
                sources.add(JavaSource.read(p));
            }
        }
        assertThat(sources).as("main sources of the reactor under %s", root)
                .anyMatch(s -> s.path().toString().contains("/linux/src/main/java/"))
                .anyMatch(s -> s.path().toString().contains("/shim/src/main/java/"));
    }

    @Test
    void importsAreSortedWithStaticImportsFirst() {
        List<String> problems = new ArrayList<>();
        for (JavaSource source : sources) {
            String problem = importOrderProblem(source.imports());
            if (problem != null) {
                problems.add(source.path() + ": " + problem);
            }
        }
        assertThat(problems).as("files whose imports are out of order").isEmpty();
    }

    @Test
    void typesAreImportedNotQualifiedInline() throws IOException {
        List<String> problems = new ArrayList<>();
        for (JavaSource source : sources) {
            Set<String> taken = takenNames(source);
            Set<String> imported = Set.copyOf(source.imports());
            List<String> lines = source.bodyLines();
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = QUALIFIED_TYPE.matcher(lines.get(i));
                while (m.find()) {
                    String simpleName = m.group(1);
                    boolean clash = taken.contains(simpleName)
                            || isJavaLang(simpleName) && !m.group().equals("java.lang." + simpleName);
                    if (!clash || imported.contains(m.group())) {
                        problems.add(source.path() + ":" + (i + 1) + ": import " + m.group() + " instead");
                    }
                }
            }
        }
        assertThat(problems).as("types written out in full where an import would do").isEmpty();
    }

    @Test
    void checksFlagMisorderedImportsAndQualifiedNamesInCodeOnly() {
        assertThat(importOrderProblem(List.of("static a.B.c", "a.B", "a.B.C", "a.b.D"))).isNull();
        assertThat(importOrderProblem(List.of("a.B", "static a.B.c"))).contains("static");
        assertThat(importOrderProblem(List.of("java.util.List", "io.berth.X"))).contains("io.berth.X");
        String code = JavaSource.blankCommentsAndLiterals(
                "// java.util.List\nString s = \"java.util.Map\"; java.util.Set<String> x; char c = '\"';\n");
        assertThat(QUALIFIED_TYPE.matcher(code).results().map(MatchResult::group))
                .containsExactly("java.util.Set");
    }

    /** The first import out of order, or null: static imports first, each group sorted by name. */
    static String importOrderProblem(List<String> imports) {
        boolean seenPlain = false;
        String previous = null;
        for (String imported : imports) {
            boolean isStatic = imported.startsWith("static ");
            if (isStatic && seenPlain) {
                return "'import " + imported + "' must come before the other imports (static imports first)";
            }
            if (!isStatic && !seenPlain) {
                seenPlain = true;
                previous = null;
            }
            if (previous != null && previous.compareTo(imported) > 0) {
                return "'import " + imported + "' must come before 'import " + previous + "'";
            }
            previous = imported;
        }
        return null;
    }

    /**
     * Simple names that already mean something in a file, so that another type of that name must be written in
     * full: the file's own types, its package's, and those it imports.
     */
    private static Set<String> takenNames(JavaSource source) throws IOException {
        Set<String> taken = new HashSet<>(source.declaredTypes());
        try (Stream<Path> siblings = Files.list(source.path().getParent())) {
            siblings.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).forEach(taken::add);
        }
        source.imports().stream().filter(i -> !i.startsWith("static "))
                .map(i -> i.substring(i.lastIndexOf('.') + 1)).forEach(taken::add);
        return taken;
    }

    private static boolean isJavaLang(String simpleName) {
        try {
            Class.forName("java.lang." + simpleName, false, SourceStyleTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static boolean isMainSource(Path relative) {
        String path = relative.toString().replace('\\', '/');
        return path.contains("/src/main/java/") && !path.startsWith("target/") && !path.contains("/target/");
    }

    /** The directory of the parent pom: surefire runs in cri-server, one level below it. */
    private static Path reactorRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>cri-server</module>")) {
                    return dir;
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + pom, e);
            }
        }
        throw new IllegalStateException("no reactor pom above " + Path.of("").toAbsolutePath());
    }
}
