package io.berth.server.admin.cli;

import io.berth.admin.v1.ContainerDump;
import io.berth.admin.v1.DebugDumpReply;
import io.berth.admin.v1.SandboxDump;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The human-readable debug dump: each sandbox with its paths, its containers below it with theirs. */
final class DumpText {
    private DumpText() {}

    static void print(DebugDumpReply dump, PrintStream out) {
        if (dump.getSandboxesCount() == 0 && dump.getContainersCount() == 0) {
            out.println("no sandboxes and no containers");
            return;
        }
        Map<String, List<ContainerDump>> bySandbox = new LinkedHashMap<>();
        dump.getSandboxesList().forEach(s -> bySandbox.put(s.getId(), new ArrayList<>()));
        List<ContainerDump> orphans = new ArrayList<>();
        for (ContainerDump c : dump.getContainersList()) {
            List<ContainerDump> siblings = bySandbox.get(c.getSandboxId());
            (siblings != null ? siblings : orphans).add(c);
        }
        for (SandboxDump s : dump.getSandboxesList()) {
            sandbox(s, out);
            bySandbox.get(s.getId()).forEach(c -> container(c, "  ", out));
        }
        if (!orphans.isEmpty()) {
            out.println("CONTAINERS WITHOUT A SANDBOX");
            orphans.forEach(c -> container(c, "  ", out));
        }
    }

    private static void sandbox(SandboxDump s, PrintStream out) {
        out.println("SANDBOX " + s.getId());
        TextReports.Labels labels = new TextReports.Labels(out, "  ");
        labels.line("name", s.getMetadata().getName() + " (namespace " + s.getMetadata().getNamespace() + ", uid "
                + s.getMetadata().getUid() + ", attempt " + s.getMetadata().getAttempt() + ")");
        labels.line("state", s.getState() + ", pid " + s.getPid() + ", created "
                + TextReports.time(s.getCreatedAtUnixNanos()));
        labels.line("handler", s.getRuntimeHandler());
        labels.line("ips", String.join(", ", s.getIpsList()));
        labels.line("record", s.getRecordFile());
        labels.line("state dir", s.getStateDir());
        labels.line("netns", s.getNetns().isEmpty() ? "host network" : s.getNetns());
        labels.line("cgroup", s.getCgroup());
        out.println();
    }

    private static void container(ContainerDump c, String indent, PrintStream out) {
        out.println(indent + "CONTAINER " + c.getId());
        TextReports.Labels labels = new TextReports.Labels(out, indent + "  ");
        labels.line("name", c.getMetadata().getName() + " (attempt " + c.getMetadata().getAttempt() + ")");
        labels.line("sandbox", c.getSandboxId());
        labels.line("state", c.getState() + ", pid " + c.getPid() + ", created "
                + TextReports.time(c.getCreatedAtUnixNanos()));
        labels.line("image", c.getImageRef());
        labels.line("record", c.getRecordFile());
        labels.line("run dir", c.getRunDir());
        labels.line("bundle", c.getBundle());
        labels.line("snapshot", c.getSnapshotKey());
        labels.line("rootfs", c.getRootfsDir());
        labels.line("log", c.getLogPath());
        labels.line("cgroup", c.getCgroup());
        out.println();
    }
}
