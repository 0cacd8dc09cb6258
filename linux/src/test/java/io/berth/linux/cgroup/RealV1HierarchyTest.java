package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.berth.linux.Posix;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v1 reader against the real hierarchy of a legacy or hybrid host (needs root): a child process is moved
 * into fresh cgroups, does known work, and the numbers read back must reflect that work.
 */
class RealV1HierarchyTest {
    private static final List<String> CONTROLLERS = List.of("cpu", "cpuacct", "memory", "pids", "blkio");
    private static final long LIMIT = 512L * 1024 * 1024;
    private static final int FILE_MIB = 16;

    @TempDir
    Path tmp;
    Cgroups host;
    final String cgroup = "/berth-test-" + ProcessHandle.current().pid();
    final List<Path> created = new ArrayList<>();
    Process child;

    @BeforeEach
    void v1HostAndRoot() throws IOException {
        assumeThat(Posix.euid()).as("creating cgroups needs root").isZero();
        host = Cgroups.detect();
        assumeThat(host.layout()).as("a host with v1 controllers").isNotEqualTo(CgroupLayout.UNIFIED);
        assumeThat(host.mounts().v1().keySet()).containsAll(CONTROLLERS);
        for (String controller : CONTROLLERS) {
            Path dir = host.mounts().controller(controller).orElseThrow().dirOf(cgroup);
            if (!created.contains(dir)) {
                // cpu and cpuacct are often one hierarchy (cpu,cpuacct): one directory serves both.
                Files.createDirectory(dir);
                created.add(dir);
            }
        }
    }

    @AfterEach
    void killAndRemove() throws Exception {
        if (child != null) {
            long pid = child.pid();
            child.destroyForcibly();
            child.waitFor();
            assertThat(ProcessHandle.of(pid)).isEmpty();
        }
        for (Path dir : created) {
            // rmdir of a cgroup succeeds once its last task is gone; the kernel may take a moment after the kill.
            await().atMost(Duration.ofSeconds(10)).ignoreException(IOException.class).until(() -> {
                try {
                    Files.delete(dir);
                } catch (NoSuchFileException gone) {
                    // already removed
                }
                return true;
            });
        }
    }

    @Test
    void numbersFollowTheWorkOfAProcessInTheCgroup() throws Exception {
        Path file = tmp.resolve("written");
        // Waits to be moved, then writes a file (page cache charged to the memory cgroup), burns some CPU, and
        // becomes a single sleeping task.
        child = new ProcessBuilder("sh", "-c", "read go; dd if=/dev/zero of=" + file + " bs=1M count=" + FILE_MIB
                + " 2>/dev/null; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 600").start();
        long pid = child.pid();
        for (Path dir : created) {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
        }
        Path memory = host.mounts().controller("memory").orElseThrow().dirOf(cgroup);
        Path cpu = host.mounts().controller("cpu").orElseThrow().dirOf(cgroup);
        Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
        // A quota makes CFS count enforcement periods while the loop below runs.
        Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "50000");
        Files.writeString(host.mounts().controller("pids").orElseThrow().dirOf(cgroup).resolve("pids.max"), "64");
        try (OutputStream in = child.getOutputStream()) {
            in.write("go\n".getBytes(StandardCharsets.US_ASCII));
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep"));

        CgroupStats s = host.statsOf(cgroup);
        assertThat(s.pids()).as("sh became sleep; dd has exited").hasValue(1);
        assertThat(s.cpuUsageNanos()).isPresent();
        assertThat(s.cpuUsageNanos().getAsLong()).as("a 20000-step shell loop").isGreaterThan(1_000_000L);
        assertThat(s.cpuUserNanos()).isPresent();
        assertThat(s.memoryUsageBytes()).isPresent();
        assertThat(s.memoryUsageBytes().getAsLong()).as("the written file stays in page cache")
                .isGreaterThanOrEqualTo(FILE_MIB * 1024L * 1024 / 2);
        assertThat(s.workingSetBytes().getAsLong()).isBetween(0L, s.memoryUsageBytes().getAsLong());
        assertThat(s.cacheBytes()).isPresent();
        assertThat(s.rssBytes()).isPresent();
        assertThat(s.pageFaults().getAsLong()).isPositive();
        assertThat(s.majorPageFaults()).isPresent();
        assertThat(s.memoryLimitBytes()).hasValue(LIMIT);
        assertThat(s.availableBytes().getAsLong()).isEqualTo(LIMIT - s.workingSetBytes().getAsLong());
        assertThat(s.oomKills()).hasValue(0);
        assertThat(s.ioReadBytes()).isPresent();
        assertThat(s.ioWriteBytes()).isPresent();

        assertThat(s.cfsPeriods().getAsLong()).as("periods elapse while the quota'd loop runs").isPositive();
        assertThat(s.cfsThrottledPeriods()).isPresent();
        assertThat(s.cfsThrottledNanos()).isPresent();
        assertThat(s.memoryFailcnt()).hasValue(0);
        assertThat(s.memoryMaxUsageBytes().getAsLong()).isGreaterThanOrEqualTo(s.memoryUsageBytes().getAsLong());
        assertThat(s.kernelUsageBytes()).isPresent();
        assertThat(s.mappedFileBytes()).isPresent();
        assertThat(s.ownPageFaults().getAsLong()).isPositive();
        assertThat(s.ownMajorPageFaults()).isPresent();
        assertThat(s.threadsMax()).hasValue(64);

        ProcessCounts processes = host.processesOf(ProcessCgroups.ofProcess(Path.of("/proc"), (int) pid));
        assertThat(processes.processes()).hasValue(1);
        assertThat(processes.fileDescriptors().getAsLong()).as("at least stdin, stdout and stderr")
                .isGreaterThanOrEqualTo(3);
        assertThat(processes.sockets()).as("pipes, not sockets").hasValue(0);

        CgroupStats byPid = host.statsOfProcess((int) pid);
        assertThat(byPid.memoryLimitBytes()).as("found through /proc/<pid>/cgroup").hasValue(LIMIT);
        assertThat(byPid.pids()).hasValue(1);
        assertThat(byPid.cpuUsageNanos()).isEqualTo(s.cpuUsageNanos());
    }
}
