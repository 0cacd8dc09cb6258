package io.berth.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads config.toml (optional) into a {@link BerthConfig}, filling every missing key with its default. Loading
 * and {@code berthd config check} take one path, TOML syntax, then {@link ConfigSchema}'s keys and types, then
 * {@link ConfigResolver}'s rules, so that the check accepts exactly what berthd starts with.
 */
public final class ConfigLoader {
    /** The config a text gives, usable only when problems is empty. */
    private record Reading(BerthConfig config, List<ConfigProblem> problems) {}

    private ConfigLoader() {}

    /** The configuration with every key at its default, as when no file is given. */
    public static BerthConfig defaults() {
        Problems problems = new Problems();
        BerthConfig config = ConfigResolver.resolve(new ConfigFile(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("a default breaks its own rule: " + problems.all());
        }
        return config;
    }

    /**
     * Loads the file; a file that does not exist is an error here, since the operator named it. The exception
     * names the first problem; {@link #check} lists them all.
     */
    public static BerthConfig load(Path file) {
        return parse(read(file), file.toString());
    }

    /** Every problem in the file, in line order; none when berthd would start with it. */
    public static List<ConfigProblem> check(Path file) {
        return check(read(file));
    }

    static List<ConfigProblem> check(String toml) {
        return reading(toml).problems();
    }

    static BerthConfig parse(String toml, String source) {
        Reading reading = reading(toml);
        if (reading.problems().isEmpty()) {
            return reading.config();
        }
        ConfigProblem first = reading.problems().get(0);
        int more = reading.problems().size() - 1;
        throw new ConfigException("config " + source + (first.line() > 0 ? " line " + first.line() : "") + ": "
                + first.message() + (more == 0 ? "" : " (and " + more + " more; `berthd config check " + source
                + "` lists them)"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config " + file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException("config " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Reading reading(String toml) {
        TomlKeyLines lines = TomlKeyLines.scan(toml);
        Map<String, Object> tree;
        try {
            tree = TomlReader.read(toml);
        } catch (TomlReader.SyntaxException e) {
            return new Reading(null, syntaxProblems(e, lines));
        }
        Problems problems = new Problems();
        ConfigFile raw = ConfigSchema.bind(tree, problems);
        BerthConfig config = ConfigResolver.resolve(raw, problems);
        List<ConfigProblem> found = problems.all().stream()
                .map(p -> new ConfigProblem(lines.lineOf(p.key()).orElse(0), p.message()))
                .sorted(Comparator.comparingInt(ConfigProblem::line))
                .toList();
        return new Reading(config, found);
    }

    private static List<ConfigProblem> syntaxProblems(TomlReader.SyntaxException e, TomlKeyLines lines) {
        // The TOML reader stops at the first key defined twice; the scan names them all, with both lines.
        if (!lines.duplicates().isEmpty()) {
            return lines.duplicates().stream().map(d -> new ConfigProblem(d.line(), d.message())).toList();
        }
        return List.of(new ConfigProblem(e.line(), "not valid TOML: " + e.getMessage()));
    }
}
