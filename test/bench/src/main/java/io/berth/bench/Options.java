package io.berth.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line of {@code run}. */
final class Options {
    static final List<String> ALL = List.of("lifecycle", "burst", "scale", "exec", "pull", "memory", "restart", "logs");

    String endpoint;
    Path socket;
    String name;
    boolean quick;
    Path out;
    Path images;
    Path workdir;
    String marker;
    Set<String> initNames = Set.of("catatonit", "pause");
    String pidsCmd;
    String restartCmd;
    String pauseImage;
    int round = 1;
    /** Restarts measured at 50 pods (10 with --quick); the figures are their medians. */
    int restarts = 3;
    Set<String> scenarios = new LinkedHashSet<>(ALL);

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                o.quick = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--endpoint" -> o.endpoint = v;
                case "--name" -> o.name = v;
                case "--out" -> o.out = Path.of(v);
                case "--images" -> o.images = Path.of(v);
                case "--workdir" -> o.workdir = Path.of(v);
                case "--marker" -> o.marker = v;
                case "--init-names" -> o.initNames = Set.of(v.split(","));
                case "--pids-cmd" -> o.pidsCmd = v;
                case "--restart-cmd" -> o.restartCmd = v;
                case "--pause-image" -> o.pauseImage = v;
                case "--round" -> o.round = Integer.parseInt(v);
                case "--restarts" -> o.restarts = Integer.parseInt(v);
                case "--scenarios" -> {
                    o.scenarios = new LinkedHashSet<>(List.of(v.split(",")));
                    List<String> unknown = new ArrayList<>(o.scenarios);
                    unknown.removeAll(ALL);
                    if (!unknown.isEmpty()) {
                        throw new IllegalArgumentException("unknown scenarios " + unknown + "; known: " + ALL);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (o.restarts < 1) {
            throw new IllegalArgumentException("--restarts must be at least 1");
        }
        if (o.endpoint == null || !o.endpoint.startsWith("unix://")) {
            throw new IllegalArgumentException("--endpoint unix:///path/to.sock is required");
        }
        o.socket = Path.of(o.endpoint.substring("unix://".length()));
        if (o.name == null) {
            o.name = o.socket.getFileName().toString();
        }
        if (o.images == null) {
            throw new IllegalArgumentException("--images images.json (written by `images`) is required");
        }
        if (o.workdir == null) {
            o.workdir = Path.of(System.getProperty("java.io.tmpdir"), "berth-bench-" + o.name);
        }
        if (o.marker == null) {
            o.marker = o.socket.getParent().toString();
        }
        return o;
    }
}
