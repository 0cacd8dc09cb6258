package io.berth.shim;

import io.berth.shim.client.ProcessStream;
import io.berth.shim.client.ProcessStream.Chunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Everything a {@link ProcessStream} delivered, read to its exit. */
record StreamOutput(String stdout, String stderr, int exitCode) {
    static StreamOutput readAll(ProcessStream stream) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        for (Chunk c = stream.read(); c != null; c = stream.read()) {
            switch (c.kind()) {
                case STDOUT -> out.write(c.data());
                case STDERR -> err.write(c.data());
                case EXIT -> {
                    return new StreamOutput(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                            c.exitCode());
                }
            }
        }
        throw new AssertionError("the stream ended without an exit");
    }

    /** Reads stdout until it contains {@code text}; returns what was read. */
    static String readUntil(ProcessStream stream, String text) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains(text)) {
            Chunk c = stream.read();
            if (c == null || c.kind() == Chunk.Kind.EXIT) {
                throw new AssertionError("ended before \"" + text + "\" was seen; saw: " + seen);
            }
            seen.append(new String(c.data(), StandardCharsets.UTF_8));
        }
        return seen.toString();
    }

    /** Host pids of the shim's children named {@code comm} (exec'd processes are re-parented to it). */
    static List<Integer> childrenNamed(int parent, String comm) throws IOException {
        List<Integer> pids = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (name.equals(comm) && Integer.parseInt(fields[1]) == parent) {
                    pids.add(Integer.parseInt(p.getFileName().toString()));
                }
            }
        }
        return pids;
    }
}
