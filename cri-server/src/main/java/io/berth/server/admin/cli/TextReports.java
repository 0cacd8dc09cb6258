package io.berth.server.admin.cli;

import io.berth.admin.v1.BerthUsage;
import io.berth.admin.v1.Disk;
import io.berth.admin.v1.HealthReply;
import io.berth.admin.v1.LoadedImage;
import io.berth.admin.v1.RuntimeHandlerInfo;
import io.berth.admin.v1.ShimHost;
import io.berth.admin.v1.VersionReply;
import io.berth.cri.v1.RuntimeCondition;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** The human-readable forms of berthctl's answers (--json prints the messages as they are). */
final class TextReports {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private TextReports() {}

    static void version(VersionReply v, PrintStream out) {
        List<String> handlers = new ArrayList<>();
        for (RuntimeHandlerInfo h : v.getRuntimeHandlersList()) {
            String isDefault = h.getName().equals(v.getDefaultRuntimeHandler()) ? ", default" : "";
            handlers.add(h.getName() + " (" + h.getBinary() + isDefault + ")");
        }
        Labels labels = new Labels(out, "");
        labels.line("berthd", v.getVersion());
        labels.line("build", v.getBuild());
        labels.line("runtime", v.getRuntimeName());
        labels.line("CRI API", v.getCriApiVersion());
        labels.line("handlers", String.join(", ", handlers));
    }

    static void health(HealthReply h, PrintStream out) {
        TextTable conditions = new TextTable("CONDITION", "READY", "REASON", "MESSAGE");
        for (RuntimeCondition c : h.getConditionsList()) {
            conditions.row(c.getType(), yesNo(c.getStatus()), c.getReason(), c.getMessage());
        }
        conditions.print(out);
        out.println();
        List<String> notes = new ArrayList<>();
        if (h.getShimHostsCount() == 0) {
            out.println("no shim hosts: none is running (one starts with the first container)");
        } else {
            TextTable hosts = new TextTable("SHIM HOST", "PID", "ALIVE", "CONTAINERS", "BUILD", "DIR");
            for (ShimHost s : h.getShimHostsList()) {
                boolean known = s.getAlive() && s.getError().isEmpty();
                hosts.row(s.getGroup(), s.getPid(), yesNo(s.getAlive()), known ? s.getContainers() : "?",
                        known ? s.getBuild() : "?", s.getDir());
                if (!s.getError().isEmpty()) {
                    notes.add("shim host " + s.getGroup() + ": " + s.getError());
                }
            }
            hosts.print(out);
        }
        out.println();
        TextTable disks = new TextTable("DISK", "PATH", "SIZE", "FREE", "INODES", "FREE INODES", "BERTH USES");
        for (Disk d : h.getDisksList()) {
            disks.row(d.getRole(), d.getPath(), bytes(d.getTotalBytes()), bytes(d.getFreeBytes()), d.getTotalInodes(),
                    d.getFreeInodes(), d.hasBerthUsage() ? usage(d.getBerthUsage()) : "-");
            if (!d.getError().isEmpty()) {
                notes.add(d.getRole() + " disk: " + d.getError());
            }
        }
        disks.print(out);
        if (!notes.isEmpty()) {
            out.println();
            notes.forEach(out::println);
        }
    }

    /** One line per image an archive brought in. */
    static void imported(String source, List<LoadedImage> images, TextTable table) {
        for (LoadedImage image : images) {
            List<String> names = new ArrayList<>(image.getRepoTagsList());
            if (names.isEmpty()) {
                names.addAll(image.getRepoDigestsList());
            }
            table.row(source, image.getId(), names.isEmpty() ? "<none>" : String.join(", ", names));
        }
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double value = n;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, UNITS[unit]);
    }

    static String time(long unixNanos) {
        if (unixNanos <= 0) {
            return "-";
        }
        return Instant.ofEpochSecond(0, unixNanos).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String usage(BerthUsage u) {
        return bytes(u.getUsedBytes()) + " in " + u.getInodesUsed() + " inodes (" + u.getPath() + ")";
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** Lines of a label padded to one width and a value; an empty value shows as "-". */
    static final class Labels {
        private static final int WIDTH = 10;

        private final PrintStream out;
        private final String indent;

        Labels(PrintStream out, String indent) {
            this.out = out;
            this.indent = indent;
        }

        void line(String label, Object value) {
            String text = String.valueOf(value);
            out.println(indent + label + " ".repeat(Math.max(1, WIDTH - label.length())) + (text.isEmpty() ? "-" : text));
        }
    }
}
