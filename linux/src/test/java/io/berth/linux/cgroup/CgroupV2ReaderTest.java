package io.berth.linux.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A unified host in a temp dir, its files in the kernel 6.1 formats. */
class CgroupV2ReaderTest {
    static final String CONTAINER = "/kubepods.slice/kubepods-pod1.slice/cri-berth-c1.scope";

    @TempDir
    Path tmp;
    FakeCgroupfs fs;
    Path mount;
    Path dir;

    @BeforeEach
    void unifiedHost() {
        fs = new FakeCgroupfs(tmp);
        mount = fs.mountPoint("");
        dir = mount.resolve(CONTAINER.substring(1));
        fs.mountinfo(FakeCgroupfs.mountLine(25, mount, "cgroup2", "rw,nsdelegate,memory_recursiveprot"));
        fs.processCgroup(4242, "0::" + CONTAINER);
    }

    void everyFile() {
        fs.file(dir, "cpu.stat", "usage_usec 2345678", "user_usec 1500000", "system_usec 845678",
                "core_sched.force_idle_usec 0", "nr_periods 0", "nr_throttled 0", "throttled_usec 0", "nr_bursts 0",
                "burst_usec 0");
        fs.file(dir, "memory.current", "16777216");
        fs.file(dir, "memory.stat", "anon 10485760", "file 4194304", "kernel 262144", "kernel_stack 16384",
                "pagetables 65536", "sock 0", "shmem 0", "file_mapped 1048576", "file_dirty 0", "file_writeback 0",
                "swapcached 0", "anon_thp 0", "inactive_anon 10461184", "active_anon 24576",
                "inactive_file 3145728", "active_file 1048576", "unevictable 0", "slab_reclaimable 81920",
                "slab 180224", "workingset_refault_anon 0", "pgscan 0", "pgsteal 0", "pgfault 5120",
                "pgmajfault 7", "pgrefill 0", "thp_fault_alloc 0");
        fs.file(dir, "memory.max", "268435456");
        fs.file(dir, "memory.swap.current", "4096");
        fs.file(dir, "memory.swap.max", "65536");
        fs.file(dir, "memory.events", "low 0", "high 0", "max 3", "oom 1", "oom_kill 1", "oom_group_kill 0");
        fs.file(dir, "pids.current", "3");
        fs.file(dir, "io.stat", "8:0 rbytes=1048576 wbytes=4096 rios=10 wios=1 dbytes=0 dios=0",
                "8:16 rbytes=2048 wbytes=0 rios=1 wios=0 dbytes=0 dios=0");
    }

    @Test
    void everyValueIsReadAndConverted() throws Exception {
        everyFile();
        Cgroups host = Cgroups.detect(fs.proc);
        assertThat(host.layout()).isEqualTo(CgroupLayout.UNIFIED);

        CgroupStats s = host.statsOf(CONTAINER);
        assertThat(s.cpuUsageNanos()).hasValue(2_345_678_000L);
        assertThat(s.cpuUserNanos()).hasValue(1_500_000_000L);
        assertThat(s.cpuSystemNanos()).hasValue(845_678_000L);
        assertThat(s.memoryUsageBytes()).hasValue(16_777_216L);
        assertThat(s.workingSetBytes()).hasValue(16_777_216L - 3_145_728L);
        assertThat(s.rssBytes()).hasValue(10_485_760L);
        assertThat(s.cacheBytes()).hasValue(4_194_304L);
        assertThat(s.pageFaults()).hasValue(5120);
        assertThat(s.majorPageFaults()).hasValue(7);
        assertThat(s.memoryLimitBytes()).hasValue(268_435_456L);
        assertThat(s.availableBytes()).hasValue(268_435_456L - (16_777_216L - 3_145_728L));
        assertThat(s.swapUsageBytes()).hasValue(4096);
        assertThat(s.swapLimitBytes()).hasValue(65536);
        assertThat(s.swapAvailableBytes()).hasValue(65536 - 4096);
        assertThat(s.oomKills()).hasValue(1);
        assertThat(s.pids()).hasValue(3);
        assertThat(s.ioReadBytes()).hasValue(1_048_576L + 2048);
        assertThat(s.ioWriteBytes()).hasValue(4096);

        assertThat(host.statsOfProcess(4242)).as("found through /proc/<pid>/cgroup").isEqualTo(s);
    }

    @Test
    void throttlingPeaksKernelMemoryAndPerDeviceIo() throws Exception {
        everyFile();
        fs.file(dir, "cpu.stat", "usage_usec 2345678", "user_usec 1500000", "system_usec 845678", "nr_periods 50",
                "nr_throttled 9", "throttled_usec 123456", "nr_bursts 0", "burst_usec 0");
        fs.file(dir, "memory.peak", "20971520");
        fs.file(dir, "pids.max", "128");
        CgroupStats s = Cgroups.detect(fs.proc).statsOf(CONTAINER);
        assertThat(s.cfsPeriods()).hasValue(50);
        assertThat(s.cfsThrottledPeriods()).hasValue(9);
        assertThat(s.cfsThrottledNanos()).as("throttled_usec in nanoseconds").hasValue(123_456_000L);
        assertThat(s.memoryFailcnt()).as("memory.events max").hasValue(3);
        assertThat(s.memoryMaxUsageBytes()).as("memory.peak").hasValue(20_971_520L);
        assertThat(s.kernelUsageBytes()).as("memory.stat kernel").hasValue(262_144L);
        assertThat(s.mappedFileBytes()).as("memory.stat file_mapped").hasValue(1_048_576L);
        assertThat(s.ownPageFaults()).as("v2 counts the subtree everywhere").hasValue(5120);
        assertThat(s.ownMajorPageFaults()).hasValue(7);
        assertThat(s.threadsMax()).hasValue(128);
        assertThat(s.ioServiceBytes()).containsExactlyInAnyOrder(new DeviceIo(8, 0, "Read", 1_048_576L),
                new DeviceIo(8, 0, "Write", 4096), new DeviceIo(8, 0, "Discard", 0), new DeviceIo(8, 16, "Read", 2048),
                new DeviceIo(8, 16, "Write", 0), new DeviceIo(8, 16, "Discard", 0));
        assertThat(s.ioServiced()).contains(new DeviceIo(8, 0, "Read", 10), new DeviceIo(8, 0, "Write", 1),
                new DeviceIo(8, 16, "Read", 1)).hasSize(6);

        fs.file(dir, "pids.max", "max");
        assertThat(Cgroups.detect(fs.proc).statsOf(CONTAINER).threadsMax()).as("no limit is 0").hasValue(0);
    }

    @Test
    void processesAndTheirDescriptorsAreCounted() throws Exception {
        fs.file(dir, "cgroup.procs", "4242", "4243");
        fs.fd(4242, 0, "/dev/null").fd(4242, 5, "socket:[42]").fd(4243, 0, "anon_inode:[eventfd]");
        ProcessCounts counts = Cgroups.detect(fs.proc).processesOf(ProcessCgroups.ofProcess(fs.proc, 4242));
        assertThat(counts.processes()).hasValue(2);
        assertThat(counts.fileDescriptors()).hasValue(3);
        assertThat(counts.sockets()).hasValue(1);
        assertThat(Cgroups.detect(fs.proc).processesOf(new ProcessCgroups(java.util.Map.of(),
                java.util.Optional.of("/gone")))).as("a removed cgroup").isEqualTo(ProcessCounts.none());
    }

    @Test
    void missingFilesAreAbsentNotZero() throws Exception {
        // A cgroup with only the memory controller enabled and swap accounting off.
        fs.file(dir, "memory.current", "1000");
        fs.file(dir, "memory.max", "max");
        CgroupStats s = Cgroups.detect(fs.proc).statsOf(CONTAINER);
        assertThat(s.memoryUsageBytes()).hasValue(1000);
        assertThat(s.workingSetBytes()).as("no memory.stat: nothing to subtract").hasValue(1000);
        assertThat(s.memoryLimitBytes()).as("max is no limit").isEmpty();
        assertThat(s.availableBytes()).isEmpty();
        assertThat(s.cpuUsageNanos()).isEmpty();
        assertThat(s.rssBytes()).isEmpty();
        assertThat(s.swapUsageBytes()).isEmpty();
        assertThat(s.swapLimitBytes()).isEmpty();
        assertThat(s.oomKills()).isEmpty();
        assertThat(s.pids()).isEmpty();
        assertThat(s.ioReadBytes()).isEmpty();
        assertThat(s.ioServiceBytes()).isEmpty();
        assertThat(s.cfsPeriods()).isEmpty();
        assertThat(s.memoryFailcnt()).isEmpty();
        assertThat(s.memoryMaxUsageBytes()).as("kernel before 5.19").isEmpty();
        assertThat(s.kernelUsageBytes()).isEmpty();
        assertThat(s.threadsMax()).isEmpty();
    }

    @Test
    void workingSetIsFlooredAtZero() throws Exception {
        // memory.current and memory.stat are not read atomically; inactive_file can exceed the usage read before.
        fs.file(dir, "memory.current", "4096");
        fs.file(dir, "memory.stat", "anon 0", "file 8192", "inactive_file 8192");
        assertThat(Cgroups.detect(fs.proc).statsOf(CONTAINER).workingSetBytes()).hasValue(0);
    }

    @Test
    void anEmptyIoStatMeansNoIoYet() throws Exception {
        fs.file(dir, "io.stat", "");
        CgroupStats s = Cgroups.detect(fs.proc).statsOf(CONTAINER);
        assertThat(s.ioReadBytes()).hasValue(0);
        assertThat(s.ioWriteBytes()).hasValue(0);
    }

    @Test
    void aCgroupThatIsGoneReadsAsAllAbsent() throws Exception {
        CgroupStats s = Cgroups.detect(fs.proc).statsOf("/not/there");
        assertThat(s).isEqualTo(CgroupStats.none());
        assertThat(s.memoryUsageBytes()).isEqualTo(OptionalLong.empty());
    }
}
