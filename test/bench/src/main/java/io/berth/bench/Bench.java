package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.cri.v1.ImageSpec;
import io.berth.cri.v1.PullImageRequest;
import io.berth.cri.v1.VersionRequest;
import io.berth.cri.v1.VersionResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/**
 * The benchmark runner (no timing asserts anywhere):
 * <pre>
 * images  --registry HOST:PORT --out images.json [--quick]     generate and push the images
 * run     --endpoint unix:///x.sock --images images.json --out result.json [--name N] [--quick] [--round R]
 *         [--scenarios lifecycle,burst,scale,exec,pull,memory,restart,logs] [--workdir DIR]
 *         [--marker STR | --pids-cmd CMD] [--init-names catatonit,pause] [--restart-cmd CMD] [--pause-image REF]
 * compare --out combined.json result.json...                    medians, ratios and spread as a table
 * cleanup --endpoint unix:///x.sock                             remove every pod of that runtime
 * </pre>
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "images" -> images(rest);
                case "run" -> run(Options.parse(rest));
                case "compare" -> Compare.main(rest);
                case "cleanup" -> cleanup(rest);
                default -> usage();
            }
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    private static void usage() {
        System.err.println("usage: bench images|run|compare|cleanup ... (see test/bench/README.md)");
        System.exit(2);
    }

    private static void images(String[] args) throws Exception {
        String registry = null;
        Path out = null;
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--registry" -> registry = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (registry == null || out == null) {
            throw new IllegalArgumentException("images needs --registry and --out");
        }
        Images.push(registry, out, quick);
    }

    private static void cleanup(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--endpoint") || !args[1].startsWith("unix://")) {
            throw new IllegalArgumentException("cleanup needs --endpoint unix:///x.sock");
        }
        Options o = new Options();
        o.workdir = Path.of(System.getProperty("java.io.tmpdir"));
        try (Cri cri = new Cri(args[1].substring("unix://".length()))) {
            new Pods(cri, o, null).removeAllPods();
        }
    }

    static void run(Options o) throws Exception {
        JsonNode images = Images.JSON.readTree(o.images.toFile());
        Files.createDirectories(o.workdir);
        ObjectNode result = Images.JSON.createObjectNode();
        result.put("runtime", o.name);
        result.put("round", o.round);
        result.put("quick", o.quick);
        result.put("started", Instant.now().toString());
        result.set("machine", Machine.describe());
        Procs procs = new Procs(o.socket, o.marker, o.initNames, o.pidsCmd);
        try (Cri cri = new Cri(o.socket.toString())) {
            VersionResponse v = awaitServing(cri);
            result.put("runtime_name", v.getRuntimeName());
            result.put("runtime_version", v.getRuntimeVersion());
            System.err.printf("== %s (%s %s), round %d%s%n", o.name, v.getRuntimeName(), v.getRuntimeVersion(), o.round,
                    o.quick ? ", quick" : "");
            // Images the pods need are pulled before anything is timed; containerd also needs its sandbox image.
            String busybox = images.get("busybox").get("ref").asText();
            pull(cri, busybox);
            if (o.pauseImage != null) {
                pull(cri, o.pauseImage);
            }
            Pods pods = new Pods(cri, o, busybox);
            Figures figures = new Figures();
            PodScenarios s = new PodScenarios(cri, o, procs, pods, figures);
            pods.removeAllPods();
            if (o.scenarios.contains("lifecycle")) {
                System.err.println("lifecycle");
                s.lifecycle();
            }
            if (o.scenarios.contains("burst")) {
                System.err.println("burst");
                s.burst();
            }
            boolean scale = o.scenarios.contains("scale");
            boolean memory = o.scenarios.contains("memory");
            boolean exec = o.scenarios.contains("exec");
            boolean restart = o.scenarios.contains("restart");
            if (scale || memory || exec || restart) {
                System.err.println("scale / memory / exec / restart");
                s.scaleMemoryExecRestart(scale, memory, exec, restart);
            }
            if (o.scenarios.contains("pull")) {
                System.err.println("pull");
                new PullScenario(cri, o, images, figures).pull();
            }
            if (o.scenarios.contains("logs")) {
                System.err.println("logs");
                new LogScenario(cri, o, procs, pods, figures).logs();
            }
            pods.removeAllPods();
            result.put("finished", Instant.now().toString());
            result.put("loadavg_end", Machine.read("/proc/loadavg"));
            result.set("figures", Images.JSON.valueToTree(figures.values()));
        }
        if (o.out != null) {
            Files.writeString(o.out, Images.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        }
    }

    /** The runtime was just started: wait (up to 90 s) until it answers. */
    private static VersionResponse awaitServing(Cri cri) throws InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (true) {
            try {
                cri.reconnectNow();
                return cri.rt(2).version(VersionRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void pull(Cri cri, String ref) {
        cri.img().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
    }
}
